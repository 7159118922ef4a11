// Packaging time only: the configuration step of region-failover (platform/failover.ts deploys the state
// machine): the newest bundle of each configuration restored into the secondary by this region's own
// restore-configuration state machine (config/restore.ts), started nested under a name derived from the
// run. It may start that one state machine and read its executions, nothing else. In the secondary only,
// with the recovery section and a configuration to restore.

import { ENV, SERVICE } from '../../../shared/contracts.js';
import { ACCOUNT, PARTITION, ref, sub } from '../../core/cloudformation.js';
import type { Context, Contribution, FunctionSpec } from '../../core/contribution.js';

/** restore-configuration's logical id and name (config/restore.ts). */
const RESTORE_MACHINE_ID = 'ConfigRestoreStateMachine';
const restoreMachineName = (ctx: Context) => `${SERVICE}-${ctx.stage}-restore-configuration`;

const FUNCTIONS = {
  'failover-config-restore': {
    roles: ['secondary'],
    deployedWhen: (ctx) => ctx.policy.recovery !== undefined && ctx.policy.resources.configuration.length > 0,
    invokedBy: 'state-machine',
    events: () => [],
    description: "Region failover: restores a configuration's newest bundle into the secondary (a nested restore-configuration; dry run in a rehearsal)",
    timeout: 30,
    memorySize: 256,
    // "Still running" is retried every 30 s by the state machine: no Errors alarm.
    retriedErrors: ['ConfigRestoreNotReady'],
    environment: () => ({ [ENV.configRestoreStateMachine]: ref(RESTORE_MACHINE_ID) }),
    statements: (ctx) => [
      { Effect: 'Allow', Action: ['states:StartExecution'], Resource: [ref(RESTORE_MACHINE_ID)] },
      { Effect: 'Allow', Action: ['states:DescribeExecution'], Resource: [sub(`arn:${PARTITION}:states:${ctx.region}:${ACCOUNT}:execution:${restoreMachineName(ctx)}:*`)] },
    ],
  },
} satisfies Record<string, FunctionSpec>;

export type ConfigFailoverFunction = keyof typeof FUNCTIONS;

export const configFailover = { component: 'config', name: 'config/failover', functions: FUNCTIONS } as const satisfies Contribution;
