// The backup-dr command line in-process: every sub-command loaded up front, for tests and embedding.
// The `backup-dr` bin runs cli/entry.ts instead, which loads only the sub-command it is asked for.
// Exit codes: 0 done, 1 unexpected failure, 2 bad input (one line on stderr), 3 refused by a guard.

import { runApprove, runReject } from './approval.js';
import { dispatch } from './dispatch.js';
import type { Io } from './io.js';
import { runPolicyCheck } from './policy-check.js';
import { runRetentionPlan } from './retention-plan.js';

/** The exit code; a promise of it for the commands that call AWS (approve, reject). */
export function runCli(argv: readonly string[], io: Io): number | Promise<number> {
  return dispatch(argv, io, { 'policy check': runPolicyCheck, 'retention plan': runRetentionPlan, approve: runApprove, reject: runReject });
}

export { processIo } from './process-io.js';
