// The shapes validate-restore speaks in: where a database is, what was recorded with a snapshot, and
// the report a restore test produces. No behaviour here; validation.ts re-exports all of it.

import type { DatabaseResource } from '../../policy/schema.js';

/** How to reach one PostgreSQL database. The password never leaves the connection. */
export interface ConnectionSpec {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  ssl?: boolean | { rejectUnauthorized: boolean };
  /** Give up connecting after this long (default 5 s). */
  connectTimeoutMs?: number;
}

/** What the source held when a snapshot was taken, recorded with the snapshot. */
export interface SourceManifest {
  /** Epoch ms. */
  capturedAt: number;
  serverVersion: string;
  /** "schema.table" → exact row count. */
  tables: Record<string, number>;
}

export type CheckStatus = 'passed' | 'failed' | 'skipped';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  durationMs: number;
  expected?: unknown;
  observed?: unknown;
}

export interface ValidationReport {
  passed: boolean;
  checks: CheckResult[];
  serverVersion: string | null;
  /** Epoch ms of the newest data, from the freshness query. */
  newestData: number | null;
  startedAt: number;
  finishedAt: number;
}

/** The `validation` block of a database resource, as the policy schema parses it. */
export type ValidationConfig = DatabaseResource['validation'];

/** A check's verdict before the runner adds its name and duration. */
export type CheckOutcome = Omit<CheckResult, 'name' | 'durationMs'>;
