// The configuration branch of region-failover: the newest bundle of a configuration restored into the
// secondary region by its own restore-configuration state machine, as a nested execution under a name
// derived from the run (so a retried or resumed step finds it instead of starting another). Reconciled on
// every call: not started → start it; running → ConfigRestoreNotReady (the state machine asks again); ended
// → its outcome. A rehearsal's is a dry run: it proves the bundle and plans every write, and writes nothing.

import { DescribeExecutionCommand, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import * as z from 'zod/mini';
import { BackupDrError, errorName } from '../../../shared/errors.js';
import { failoverMode } from '../../../shared/platform/failover-run.js';
import { nonEmptyString } from '../../../shared/runtime/input.js';

/** The nested restore is still running: the state machine retries the step. */
export class ConfigRestoreNotReady extends BackupDrError {
  override name = 'ConfigRestoreNotReady';
}
/** The nested restore ended without succeeding. */
export class ConfigRestoreFailed extends BackupDrError {
  override name = 'ConfigRestoreFailed';
}

export const configRestoreEvent = z.object({ configuration: z.object({ resource: nonEmptyString }), runId: nonEmptyString, mode: failoverMode });
export type ConfigRestoreEvent = z.output<typeof configRestoreEvent>;

/** An execution name of at most 80 characters (StartExecution), unique per run and configuration. */
export function nestedExecutionName(runId: string, configuration: string): string {
  return `${runId.slice(0, 40)}-config-${configuration}`.slice(0, 80);
}

/** "arn:…:stateMachine:<name>" → "arn:…:execution:<name>:<execution>". */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

export async function restoreConfigurationForFailover(deps: { sfn: SFNClient; stateMachineArn: string }, event: ConfigRestoreEvent): Promise<{ executionArn: string; dryRun: boolean }> {
  const name = nestedExecutionName(event.runId, event.configuration.resource);
  const executionArn = executionArnOf(deps.stateMachineArn, name);
  const dryRun = event.mode === 'rehearsal';
  let status: string | undefined;
  try {
    status = (await deps.sfn.send(new DescribeExecutionCommand({ executionArn }))).status;
  } catch (error) {
    if (errorName(error) !== 'ExecutionDoesNotExist') throw error;
  }
  if (status === undefined) {
    await deps.sfn.send(new StartExecutionCommand({ stateMachineArn: deps.stateMachineArn, name, input: JSON.stringify({ configuration: event.configuration.resource, region: 'secondary', dryRun }) }));
    throw new ConfigRestoreNotReady(`started ${name}`);
  }
  if (status === 'RUNNING' || status === 'PENDING_REDRIVE') throw new ConfigRestoreNotReady(`${name} is ${status}`);
  if (status !== 'SUCCEEDED') throw new ConfigRestoreFailed(`the restore of ${event.configuration.resource} (${executionArn}) ended ${status}: see its execution and alert`);
  return { executionArn, dryRun };
}
