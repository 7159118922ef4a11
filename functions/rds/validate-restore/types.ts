// The report a restore test's validation produces: one result per check, the outcome they add up to,
// and warnings that did not decide it. No behaviour here; validation.ts re-exports it.

import type { CheckStatus, Outcome } from '../../../shared/rds/restore-run.js';

export type { CheckStatus, Outcome } from '../../../shared/rds/restore-run.js';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  durationMs: number;
  expected?: unknown;
  observed?: unknown;
}

export interface ValidationReport {
  /** passed only when no check failed and every check the policy requires ran and had something to compare. */
  outcome: Outcome;
  checks: CheckResult[];
  /** Worth knowing, not deciding: rows dated after the restore point, … */
  warnings: string[];
  serverVersion: string | null;
  /** Epoch ms of the newest data at or before the restore point, from the freshness check. */
  newestData: number | null;
  startedAt: number;
  finishedAt: number;
}

/** A check's verdict before the runner adds its name and duration. */
export type CheckOutcome = Omit<CheckResult, 'name' | 'durationMs'>;
