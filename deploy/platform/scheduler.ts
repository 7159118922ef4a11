// Packaging time only: the roles EventBridge Scheduler assumes — one that may invoke exactly the
// scheduled functions, one that may start exactly the scheduled state machines. The functions' own roles
// are not assumable by the Scheduler (deploy/plugin.cjs removes the trust osls adds to them).

import { SERVICE } from '../../shared/contracts.js';
import { assumedBy, getAtt, lambdaLogicalId, LOGICAL_ID, ref, type CfnResource } from '../core/cloudformation.js';
import type { Contribution } from '../core/contribution.js';

/** A role EventBridge Scheduler assumes (for this account only) with one statement. */
function schedulerRole(stage: string, policyName: string, description: string, statement: { Effect: 'Allow'; Action: string[]; Resource: unknown[] }): CfnResource {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description: `${SERVICE} ${stage}: ${description}`,
      AssumeRolePolicyDocument: assumedBy('scheduler.amazonaws.com'),
      Policies: [{ PolicyName: policyName, PolicyDocument: { Version: '2012-10-17', Statement: [statement] } }],
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
