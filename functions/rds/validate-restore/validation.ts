// Whether a restored PostgreSQL database proves its backup: connect, then schema, row counts, amcheck,
// freshness and the policy's assertions, each a result in the report.

import { listTables, serverVersion, type ServerVersion } from '../../../shared/rds/postgres/catalog.js';
import { ConnectFailed, describeFault, describeTarget, isDatabaseFault, openSession, validationSessionOptions, type Session, type SessionOptions } from '../../../shared/rds/postgres/connection.js';
import { redact } from '../../../shared/rds/postgres/redact.js';
import type { ConnectionSpec, SourceManifest, ValidationConfig } from '../../../shared/rds/postgres/types.js';
import { checkAmcheck, checkAssertion, checkFreshness, checkRowCounts, checkSchema, type CheckContext, type LazySession } from './checks.js';
import type { CheckOutcome, CheckResult, ValidationReport } from './types.js';

export type { ConnectionSpec, SourceManifest, ValidationConfig } from '../../../shared/rds/postgres/types.js';
export type { CheckResult, CheckStatus, ValidationReport } from './types.js';

const NO_CONNECTION = 'not run: no connection';
const CONNECTION_LOST = 'not run: the connection to the restored database was lost';

const sessionOptions = (config: ValidationConfig): SessionOptions => validationSessionOptions(config, 'backup-dr validate-restore');

interface PlannedCheck {
  readonly name: string;
  readonly run: (ctx: CheckContext) => Promise<CheckOutcome>;
}

/** Every check after connectivity, in report order. */
function plannedChecks(config: ValidationConfig): PlannedCheck[] {
  return [
    { name: 'schema', run: checkSchema },
    { name: 'row-counts', run: checkRowCounts },
    { name: 'amcheck', run: checkAmcheck },
    { name: 'freshness', run: checkFreshness },
    ...config.assertions.map((assertion) => ({ name: `assertion:${assertion.name}`, run: (ctx: CheckContext) => checkAssertion(ctx, assertion) })),
  ];
}

/** A database's failure as a check outcome; anything else is a bug here and is thrown. */
function faultOutcome(error: unknown): CheckOutcome {
  if (!isDatabaseFault(error)) throw error;
  const detail = error instanceof ConnectFailed ? error.message : `query failed: ${describeFault(error)}`;
  return { status: 'failed', detail };
}

async function timed(name: string, now: () => number, run: () => Promise<CheckOutcome>): Promise<CheckResult> {
  const started = now();
  let outcome: CheckOutcome;
  try {
    outcome = await run();
  } catch (error) {
    outcome = faultOutcome(error);
  }
  return { name, ...outcome, durationMs: now() - started };
}

function skippedResult(name: string, detail: string): CheckResult {
  return { name, status: 'skipped', detail, durationMs: 0 };
}

interface Connected {
  readonly result: CheckResult;
  readonly session: Session | null;
  readonly version: ServerVersion | null;
}

function versionNote(version: ServerVersion, manifest: SourceManifest | null): string {
  if (manifest === null || manifest.serverVersion === version.short) return '';
  return `; the source ran ${manifest.serverVersion} when the snapshot was taken`;
}

/** The connectivity check: open the session and read the version; the session stays open on success. */
async function connect(connection: ConnectionSpec, config: ValidationConfig, manifest: SourceManifest | null, now: () => number): Promise<Connected> {
  const started = now();
  let session: Session | null = null;
  try {
    session = await openSession(connection, sessionOptions(config));
    const version = await serverVersion(session.client);
    const detail = `connected to ${describeTarget(connection)}: ${version.full}${versionNote(version, manifest)}`;
    return { session, version, result: { name: 'connectivity', status: 'passed', detail, durationMs: now() - started, observed: { serverVersion: version.short } } };
  } catch (error) {
    await session?.close();
    return { session: null, version: null, result: { name: 'connectivity', ...faultOutcome(error), durationMs: now() - started } };
  }
}

/** Opens the live source on first use; `close` releases it if it was opened. */
function lazySession(spec: ConnectionSpec, options: SessionOptions): LazySession & { close(): Promise<void> } {
  let opening: Promise<Session> | null = null;
  return {
    session: () => (opening ??= openSession(spec, options)),
    close: async () => {
      const session = await opening?.catch(() => null);
      await session?.close();
    },
  };
}

function memo<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | null = null;
  return () => (loaded ??= load());
}

/** After a failed check: does the restored session still answer? (The server may have ended it.) */
async function stillAnswers(session: Session): Promise<boolean> {
  if (!session.alive()) return false;
  try {
    await session.client.query('select 1');
    return true;
  } catch {
    return false;
  }
}

/** Runs the planned checks in order; once the restored session is gone, the rest are skipped. */
async function runChecks(planned: readonly PlannedCheck[], ctx: CheckContext, now: () => number): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  let connected = true;
  for (const check of planned) {
    if (!connected) {
      results.push(skippedResult(check.name, CONNECTION_LOST));
      continue;
    }
    const result = await timed(check.name, now, () => check.run(ctx));
    results.push(result);
    if (result.status === 'failed') connected = await stillAnswers(ctx.restored);
  }
  return results;
}

function redactResult(result: CheckResult, secrets: readonly (string | undefined)[]): CheckResult {
  return { ...result, detail: redact(result.detail, secrets) };
}

/** Runs every check against the restored database and returns the report; never throws for a failing check (a failing check is a result), throws only for programming errors. */
export async function validateRestore(input: {
  connection: ConnectionSpec;
  config: ValidationConfig;
  manifest: SourceManifest | null;
  liveSource?: ConnectionSpec;
  /** Snapshot time or PITR target, epoch ms. */
  referenceTime: number;
  rpoTargetMs: number;
  now: () => number;
}): Promise<ValidationReport> {
  const { config, manifest, now } = input;
  const startedAt = now();
  const planned = plannedChecks(config);
  const facts = { newestData: null as number | null };
  const live = input.liveSource === undefined ? null : lazySession(input.liveSource, sessionOptions(config));
  const connected = await connect(input.connection, config, manifest, now);
  const restored = connected.session;
  let results: CheckResult[];
  try {
    const later =
      restored === null
        ? planned.map((check) => skippedResult(check.name, NO_CONNECTION))
        : await runChecks(planned, { restored, config, manifest, live, referenceTime: input.referenceTime, rpoTargetMs: input.rpoTargetMs, restoredTables: memo(() => listTables(restored.client, null)), facts }, now);
    results = [connected.result, ...later];
  } finally {
    await restored?.close();
    await live?.close();
  }
  const secrets = [input.connection.password, input.liveSource?.password];
  const checks = results.map((result) => redactResult(result, secrets));
  return {
    passed: checks.every((check) => check.status !== 'failed'),
    checks,
    serverVersion: connected.version?.short ?? null,
    newestData: facts.newestData,
    startedAt,
    finishedAt: now(),
  };
}
