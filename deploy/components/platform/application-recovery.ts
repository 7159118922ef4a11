// Packaging time only: the application-recovery runbook (README, "Rolling the application back") — its
// steps with least-privilege IAM and the state machine (state-machines/platform/application-recovery.asl.json),
// in the primary only, started by an operator (no schedule), deployed when the policy has
// recovery.application. It also invokes request-approval and set-maintenance-mode (platform/runbook-steps)
// and, when a database is restore-tested, starts database-recovery (rds/recovery) nested.
//
// AWS facts relied on: a state machine that starts another with states:startExecution.sync:2 needs
// states:StartExecution on it, states:DescribeExecution and StopExecution on its executions, and
// events:PutTargets, PutRule and DescribeRule on the managed rule
// StepFunctionsGetEventsForStepFunctionsExecutionRule (Step Functions Developer Guide, "IAM policies for
// starting nested workflows"); the lambda:invoke integration needs lambda:InvokeFunction on the function
// (a qualified name: on that qualifier's ARN). ssm:StartAutomationExecution authorizes on the
// automation-definition (`automation-definition/<document>:<version>`), GetAutomationExecution on
// `automation-execution/<id>`. The automation runs with the document's AutomationAssumeRole: without one
// it would run with the caller's — this Lambda's — permissions, which allow nothing else. The caller of
// StartAutomationExecution that hands the automation a role needs iam:PassRole on that role (Systems
// Manager User Guide, "Configure a service role (assume role) access for automations"): granted on the
// policy's recovery.application.rollback.assumeRole only, with iam:PassedToService ssm.amazonaws.com.

import { relative, resolve } from 'node:path';
import { REPORT_PREFIX, SERVICE } from '../../../shared/contracts.js';
import { RUNBOOK } from '../../../shared/platform/application-run.js';
import { HEALTH_FUNCTION_TIMEOUT_S } from '../../../shared/policy/recovery.js';
import { APPLICATION_RECOVERY_DEFINITION_FILE, applicationRecoveryDefinition, DATABASE_RECOVERY_MACHINE_ID, restoresDatabases } from '../../../state-machines/platform/application-recovery.js';
import { ACCOUNT, PARTITION, ref, sub, type CfnValue, type Statement } from '../../core/cloudformation.js';
import type { Context, Contribution, FunctionSpec, StateMachineSpec } from '../../core/contribution.js';
import { reportsObjects, serviceKeyViaS3 } from '../../platform/reports-bucket.js';
import { automatedBackups, instanceArn, restoreTested } from '../rds/scope.js';

const DEFINITION_SOURCE = relative(resolve(import.meta.dirname, '..', '..', '..'), APPLICATION_RECOVERY_DEFINITION_FILE);

const recovers = (ctx: Context): boolean => ctx.policy.recovery?.application !== undefined;
const rollback = (ctx: Context) => ctx.policy.recovery?.application?.rollback;
const automates = (ctx: Context): boolean => recovers(ctx) && rollback(ctx)?.ssmDocument !== undefined;

const step = (spec: Omit<FunctionSpec, 'roles' | 'invokedBy' | 'events' | 'deployedWhen'>, when: (ctx: Context) => boolean = recovers): FunctionSpec => ({
  roles: ['primary'],
  deployedWhen: when,
  invokedBy: 'state-machine',
  events: () => [],
  ...spec,
});

/** The rollback Lambda's ARN as IAM matches it: a name (optionally name:qualifier) in this region and account, or the ARN given. */
export function hookFunctionArn(ctx: Context, lambda: string): CfnValue {
  return lambda.startsWith('arn:') ? lambda : sub(`arn:${PARTITION}:lambda:${ctx.region}:${ACCOUNT}:function:${lambda}`);
}

/** The automation definition StartAutomationExecution authorizes on: every version of the named document. */
export function automationDefinitionArn(ctx: Context, document: string): CfnValue {
  const arn = /^arn:[^:]+:ssm:([^:]*):([^:]*):document\/(.+)$/.exec(document);
  if (arn !== null) return `${document.replace(/:document\//, ':automation-definition/')}:*`;
  return sub(`arn:${PARTITION}:ssm:${ctx.region}:${ACCOUNT}:automation-definition/${document}:*`);
}

const FUNCTIONS = {
  'application-recovery-plan': step({
    description: 'Application recovery: checks the input (the database part by database-recovery\'s rules, a time against the restorable window) and says what the run will do; nothing changes',
    timeout: 30,
    memorySize: 256,
    // A database time's restorable window (shared/rds/restorable-window.ts), as database-recovery-plan
    // reads it: the restore-tested sources (the only databases a database part may name) and their automated backups.
    statements: (ctx) => {
      const sources = restoreTested(ctx).map((db) => instanceArn(ctx.primary, db));
      return sources.length === 0
        ? []
        : [
            { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: sources },
            { Effect: 'Allow', Action: ['rds:DescribeDBInstanceAutomatedBackups'], Resource: [...sources, automatedBackups(ctx.primary)] },
          ];
    },
  }),
  'application-recovery-progress': step({
    description: 'Application recovery: a step done, reported to the alerts topic (info)',
    timeout: 30,
    memorySize: 256,
    statements: () => [],
  }),
  'application-recovery-rollback': step(
    {
      description: "Application recovery: starts the policy's SSM Automation rollback document (ClientToken from the execution)",
      timeout: 30,
      memorySize: 256,
      statements: (ctx) => {
        const start: Statement = { Effect: 'Allow', Action: ['ssm:StartAutomationExecution'], Resource: [automationDefinitionArn(ctx, rollback(ctx)?.ssmDocument ?? '')] };
        const role = rollback(ctx)?.assumeRole;
        // Passing AutomationAssumeRole is passing a role: exactly the policy's, and only to SSM.
        return role === undefined ? [start] : [start, { Effect: 'Allow', Action: ['iam:PassRole'], Resource: [role], Condition: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } } }];
      },
    },
    automates,
  ),
  'application-recovery-poll': step(
    {
      description: 'Application recovery: the SSM Automation rollback\'s status (RollbackNotReady while it runs)',
      timeout: 30,
      memorySize: 256,
      // "Still running" is retried every 30 s by the state machine: no Errors alarm.
      retriedErrors: ['RollbackNotReady'],
      statements: (ctx) => [{ Effect: 'Allow', Action: ['ssm:GetAutomationExecution'], Resource: [sub(`arn:${PARTITION}:ssm:${ctx.region}:${ACCOUNT}:automation-execution/*`)] }],
    },
    automates,
  ),
  'application-recovery-health': step({
    description: "Application recovery: GETs the policy's health URLs (2xx within healthTimeout; ApplicationUnhealthy otherwise)",
    // The URLs are probed at once, each within healthTimeout (at most HEALTH_TIMEOUT_MAX_MS, the policy schema's bound).
    timeout: HEALTH_FUNCTION_TIMEOUT_S,
    memorySize: 256,
    // Retried a few times while the rollout settles: an unhealthy end fails the execution, which alerts.
    retriedErrors: ['ApplicationUnhealthy'],
    statements: () => [],
  }),
  'application-recovery-report': step({
    description: 'Application recovery: the evidence (RTO start → maintenance off) and the alert of every outcome',
    timeout: 30,
    memorySize: 256,
    statements: (ctx) => [{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: [reportsObjects(`${REPORT_PREFIX.evidence}${RUNBOOK}/`)] }, serviceKeyViaS3(ctx, ['kms:GenerateDataKey'])],
  }),
} satisfies Record<string, FunctionSpec>;

export type ApplicationRecoveryFunction = keyof typeof FUNCTIONS;

/** The state machine's own integrations: the policy's rollback Lambda, and database-recovery started nested (.sync:2). */
function machineStatements(ctx: Context): Statement[] {
  const statements: Statement[] = [];
  const lambda = rollback(ctx)?.lambda;
  if (lambda !== undefined) statements.push({ Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [hookFunctionArn(ctx, lambda)] });
  if (restoresDatabases(ctx.policy)) {
    statements.push(
      { Effect: 'Allow', Action: ['states:StartExecution'], Resource: [ref(DATABASE_RECOVERY_MACHINE_ID)] },
      { Effect: 'Allow', Action: ['states:DescribeExecution', 'states:StopExecution'], Resource: [sub(`arn:${PARTITION}:states:${ctx.region}:${ACCOUNT}:execution:${SERVICE}-${ctx.stage}-database-recovery:*`)] },
      { Effect: 'Allow', Action: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'], Resource: [sub(`arn:${PARTITION}:events:${ctx.region}:${ACCOUNT}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule`)] },
    );
  }
  return statements;
}

const STATE_MACHINES = {
  'application-recovery': {
    roles: ['primary'],
    deployedWhen: recovers,
    id: 'ApplicationRecoveryStateMachine',
    source: DEFINITION_SOURCE,
    definition: (ctx) => applicationRecoveryDefinition(ctx.policy),
    schedules: () => [],
    statements: machineStatements,
  },
} satisfies Record<string, StateMachineSpec>;

export type ApplicationRecoveryMachine = keyof typeof STATE_MACHINES;

export const platformApplicationRecovery = { component: 'platform', name: 'platform/application-recovery', functions: FUNCTIONS, stateMachines: STATE_MACHINES } as const satisfies Contribution;
