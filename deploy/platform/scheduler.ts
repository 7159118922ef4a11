// Packaging time only: the roles EventBridge Scheduler assumes — one that may invoke exactly the
// scheduled functions, one that may start exactly the scheduled state machines — both allowed to send an
// invocation they could not deliver to the schedule dead-letter queue (platform/failures.ts). The
// functions' own roles are not assumable by the Scheduler (deploy/plugin.cjs removes the trust osls adds).

import { SERVICE } from '../../shared/contracts.js';
import { assumedBy, getAtt, lambdaLogicalId, LOGICAL_ID, ref, type CfnResource } from '../core/cloudformation.js';
import type { Contribution } from '../core/contribution.js';
import { scheduleDeadLetterStatements } from './failures.js';

/** A role EventBridge Scheduler assumes (for this account only): its target statement, and the schedule DLQ. */
function schedulerRole(stage: string, policyName: string, description: string, statement: { Effect: 'Allow'; Action: string[]; Resource: unknown[] }): CfnResource {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description: `${SERVICE} ${stage}: ${description}`,
      AssumeRolePolicyDocument: assumedBy('scheduler.amazonaws.com'),
      Policies: [{ PolicyName: policyName, PolicyDocument: { Version: '2012-10-17', Statement: [statement, ...scheduleDeadLetterStatements()] } }],
    },
  };
}

export const schedulerRoles: Contribution = {
  component: 'platform',
  name: 'platform/scheduler',
  resources: (ctx, deployed) => {
    const scheduledFunctions = Object.entries(deployed.functions)
      .filter(([, fn]) => fn.events.some((e) => 'schedule' in e))
      .map(([name]) => name);
    const scheduledMachines = Object.values(deployed.stateMachines)
      .filter((machine) => machine.events.length > 0)
      .map((machine) => machine.id);
    return {
      Resources: {
        [LOGICAL_ID.schedulerRole]: schedulerRole(ctx.stage, 'invoke-scheduled-functions', 'EventBridge Scheduler invokes the scheduled functions', {
          Effect: 'Allow',
          Action: ['lambda:InvokeFunction'],
          Resource: scheduledFunctions.map((name) => getAtt(lambdaLogicalId(name))),
        }),
        ...(scheduledMachines.length === 0
          ? {}
          : {
              [LOGICAL_ID.stateMachineSchedulerRole]: schedulerRole(ctx.stage, 'start-scheduled-state-machines', 'EventBridge Scheduler starts the scheduled tests', {
                Effect: 'Allow',
                Action: ['states:StartExecution'],
                Resource: scheduledMachines.map((id) => ref(id)),
              }),
            }),
      },
    };
  },
};
