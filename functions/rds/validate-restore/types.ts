// The report a restore test's validation produces: one result per check. No behaviour here;
// validation.ts re-exports it.

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

/** A check's verdict before the runner adds its name and duration. */
export type CheckOutcome = Omit<CheckResult, 'name' | 'durationMs'>;
