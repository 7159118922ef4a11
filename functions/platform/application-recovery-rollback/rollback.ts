// Starts the SSM Automation document the policy names to roll the application back
// (recovery.application.rollback.ssmDocument), with the run's version as its `version` parameter when one
// was given and the policy's assumeRole as its `AutomationAssumeRole` parameter (the role the automation
// runs as; passing it needs iam:PassRole on it, which this function has for that role only). Idempotent: the ClientToken derives from the execution, so a retried start returns the
// automation already started instead of a second one (SSM tokens are UUIDs and never reused across runs).

import { createHash } from 'node:crypto';
import { StartAutomationExecutionCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { ApplicationPlan } from '../../../shared/platform/application-run.js';
import { InvalidInput } from '../../../shared/errors.js';
import type { Log } from '../../../shared/runtime/log.js';

/** A UUID (the format SSM's ClientToken enforces) derived from the execution ARN: the same run, the same token. */
export function clientToken(execution: string): string {
  const hex = createHash('sha256').update(`application-recovery:${execution}`).digest('hex');
  // Version 5-style layout: variant and version nibbles set, the rest from the hash.
  const variant = ((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

export interface StartedRollback {
  readonly automationExecutionId: string;
  readonly document: string;
  readonly clientToken: string;
}

export async function startRollback(deps: { ssm: SSMClient; log: Log }, plan: ApplicationPlan): Promise<StartedRollback> {
  if (plan.hook.kind !== 'ssmDocument') throw new InvalidInput('plan.hook.kind', `this step starts an SSM Automation, not a ${plan.hook.kind} hook`);
  const token = clientToken(plan.execution);
  const parameters: Record<string, string[]> = {
    ...(plan.version === null ? {} : { version: [plan.version] }),
    ...(plan.hook.assumeRole === undefined ? {} : { AutomationAssumeRole: [plan.hook.assumeRole] }),
  };
  const response = await deps.ssm.send(
    new StartAutomationExecutionCommand({
      DocumentName: plan.hook.target,
      ClientToken: token,
      ...(Object.keys(parameters).length === 0 ? {} : { Parameters: parameters }),
    }),
  );
  const id = response.AutomationExecutionId;
  if (id === undefined) throw new Error(`StartAutomationExecution of ${plan.hook.target} returned no AutomationExecutionId`);
  deps.log.info('rollback automation started', { document: plan.hook.target, automationExecutionId: id, run: plan.runId });
  return { automationExecutionId: id, document: plan.hook.target, clientToken: token };
}
