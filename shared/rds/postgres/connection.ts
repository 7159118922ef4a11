// How the RDS steps (validate-restore, capture-db-manifest) open and close PostgreSQL sessions (short connect timeout, the policy's
// statement timeout, read-only, UTC/ISO output) and what a failed connect means, told without secrets.

import { Client, DatabaseError } from 'pg';
import { BackupDrError } from '../../errors.js';
import { redact } from './redact.js';
import type { ConnectionSpec } from './types.js';

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/** A database could not be reached or refused us; the message names where, never the password. */
export class ConnectFailed extends BackupDrError {
  override name = 'ConnectFailed';
}

export interface SessionOptions {
  /** Server-side limit per statement, in ms (0 = none). */
  readonly statementTimeoutMs: number;
  readonly applicationName: string;
}

/** The session options the policy's validation settings ask for. */
export function validationSessionOptions(config: { readonly statementTimeout: number }, applicationName: string): SessionOptions {
  return { statementTimeoutMs: config.statementTimeout, applicationName };
}

export interface Session {
  readonly client: Client;
  /** False once the connection has failed or ended: nothing more can run on it. */
  alive(): boolean;
  close(): Promise<void>;
}

/** "user@host:port/database", the way every detail names a database. */
export function describeTarget(spec: ConnectionSpec): string {
  return `${spec.user}@${spec.host}:${spec.port}/${spec.database}`;
}

/**
 * Startup parameters: every statement limited, every transaction read-only unless it says otherwise,
 * timestamps printed in UTC and ISO so they parse the same wherever this runs — and every value printed
 * the same way on the source and on a restore whatever their parameter groups say (floats, bytea,
 * intervals), since content fingerprints hash each row's text.
 */
function startupOptions(options: SessionOptions): string {
  const timeout = Math.max(0, Math.round(options.statementTimeoutMs));
  return [`statement_timeout=${timeout}`, 'default_transaction_read_only=on', 'TimeZone=UTC', 'DateStyle=ISO', 'IntervalStyle=postgres', 'extra_float_digits=1', 'bytea_output=hex']
    .map((setting) => `-c ${setting}`)
    .join(' ');
}

export async function openSession(spec: ConnectionSpec, options: SessionOptions): Promise<Session> {
  const client = new Client({
    host: spec.host,
    port: spec.port,
    user: spec.user,
    password: spec.password,
    database: spec.database,
    ssl: spec.ssl ?? false,
    connectionTimeoutMillis: spec.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    application_name: options.applicationName,
    options: startupOptions(options),
    keepAlive: true,
  });
  let alive = true;
  // Without a listener, an error on an idle connection would crash the process.
  client.on('error', () => {
    alive = false;
  });
  client.on('end', () => {
    alive = false;
  });
  try {
    await client.connect();
  } catch (error) {
    await closeQuietly(client);
    throw new ConnectFailed(describeConnectFailure(error, spec));
  }
  return { client, alive: () => alive, close: () => closeQuietly(client) };
}

async function closeQuietly(client: Client): Promise<void> {
  try {
    await client.end();
  } catch {
    // Closing a broken connection can fail; there is nothing left to release.
  }
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** The message of an error, or of the first inner error of an AggregateError (Node's dual-stack connect). */
function errorMessage(error: unknown): string {
  if (error instanceof AggregateError && error.message === '' && error.errors.length > 0) return errorMessage(error.errors[0]);
  return error instanceof Error ? error.message : String(error);
}

const SYSTEM_REASONS: Record<string, (spec: ConnectionSpec) => string> = {
  ECONNREFUSED: (spec) => `connection refused by ${spec.host}:${spec.port} (nothing listening there)`,
  ENOTFOUND: (spec) => `host ${spec.host} not found`,
  EAI_AGAIN: (spec) => `host ${spec.host} could not be resolved (DNS unavailable)`,
  ETIMEDOUT: (spec) => `no answer from ${spec.host}:${spec.port}`,
  EHOSTUNREACH: (spec) => `${spec.host} is unreachable`,
  ECONNRESET: () => 'the connection was reset during the handshake',
};

/** Why a connect failed, in words an operator can act on; never contains the password. */
export function describeConnectFailure(error: unknown, spec: ConnectionSpec): string {
  const code = errorCode(error);
  const message = errorMessage(error);
  let reason: string;
  if (error instanceof DatabaseError) {
    reason = describeFault(error);
  } else if (code !== undefined && SYSTEM_REASONS[code] !== undefined) {
    reason = SYSTEM_REASONS[code](spec);
  } else if (message === 'timeout expired' || /connection timeout/i.test(message)) {
    reason = `no answer from ${spec.host}:${spec.port} within ${spec.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS} ms`;
  } else {
    reason = code === undefined ? message : `${message} (${code})`;
  }
  return redact(`cannot connect to ${describeTarget(spec)}: ${reason}`, [spec.password]);
}

/**
 * Whether an error is the database's doing (a failed statement, a lost or refused connection) rather
 * than a bug here: the former becomes a failed check, the latter is thrown.
 */
export function isDatabaseFault(error: unknown): boolean {
  if (error instanceof DatabaseError || error instanceof ConnectFailed) return true;
  if (!(error instanceof Error)) return false;
  return errorCode(error) !== undefined || /^Connection terminated|not queryable|timeout expired/.test(error.message);
}

/** The message of a database fault, with the SQLSTATE when the server gave one. */
export function describeFault(error: unknown): string {
  const code = errorCode(error);
  const message = errorMessage(error);
  return error instanceof DatabaseError && code !== undefined ? `${message} (SQLSTATE ${code})` : message;
}
