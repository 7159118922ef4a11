// Where the SSM Automation rollback is: done (Success, CompletedWithSuccess), failed for good (Failed,
// Cancelled, TimedOut, Rejected, CompletedWithFailure, Exited, a change-calendar override rejected:
// RollbackFailed with SSM's failure message), or still on its way (any other status: RollbackNotReady, which
// the state machine retries every 30 s until objectives.application.rto is spent). No Lambda waits.

import { GetAutomationExecutionCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { RollbackFailed, RollbackNotReady } from '../../../shared/platform/application-run.js';

const DONE = new Set(['Success', 'CompletedWithSuccess']);
const FAILED = new Set(['Failed', 'Cancelled', 'TimedOut', 'Rejected', 'CompletedWithFailure', 'Exited', 'ChangeCalendarOverrideRejected']);

export type RollbackVerdict = 'done' | 'failed' | 'running';

export function verdictOf(status: string | undefined): RollbackVerdict {
  if (status !== undefined && DONE.has(status)) return 'done';
  if (status !== undefined && FAILED.has(status)) return 'failed';
  return 'running';
}

export interface RollbackStatus {
  readonly automationExecutionId: string;
  readonly document: string;
  readonly status: string;
  readonly finishedAt: string | null;
}

export async function rollbackStatus(ssm: SSMClient, automationExecutionId: string): Promise<RollbackStatus> {
  const { AutomationExecution: execution } = await ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId: automationExecutionId }));
  const status = execution?.AutomationExecutionStatus;
  const document = execution?.DocumentName ?? '?';
  switch (verdictOf(status)) {
    case 'done':
      return { automationExecutionId, document, status: status ?? '?', finishedAt: execution?.ExecutionEndTime?.toISOString() ?? null };
    case 'failed':
      throw new RollbackFailed(`the rollback automation ${automationExecutionId} (${document}) ended ${status ?? '?'}${execution?.FailureMessage === undefined ? '' : `: ${execution.FailureMessage}`}`.slice(0, 1000));
    case 'running':
      throw new RollbackNotReady(`the rollback automation ${automationExecutionId} (${document}) is ${status ?? 'not reported yet'}${execution?.CurrentStepName === undefined ? '' : ` (step ${execution.CurrentStepName})`}`);
  }
}
