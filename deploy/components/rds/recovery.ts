// Packaging time only: the database-recovery runbook (README, "Recovering a database") — its steps with
// least-privilege IAM and the state machine (state-machines/rds/database-recovery.asl.json), in the
// primary only, started by an operator (no schedule), deployed when the policy has a recovery section and
// a restore-tested database (the restore test's network and credentials are what a recovery uses). It
// also invokes the restore test's status and validate-restore steps (rds/restore-test) and, in full mode,
// request-approval and switch-endpoint (issue 14's contracts, deployed by their own module).
//
// AWS facts relied on (service authorization reference for RDS): a restore authorizes on the new
// instance, its source (the snapshot, or the source instance for RestoreDBInstanceToPointInTime), the
// subnet group and the option and parameter groups; StopDBInstance and AddTagsToResource on the instance.

import { relative, resolve } from 'node:path';
import { DATABASE_RECOVERY_DEFINITION_FILE, databaseRecoveryDefinition } from '../../../state-machines/rds/database-recovery.js';
import { nonEmpty, rdsArn, secretArn } from '../../core/cloudformation.js';
import type { Context, Contribution, FunctionSpec, StateMachineSpec } from '../../core/contribution.js';
import { keyStatements, sourceKeyStatements } from '../../core/kms.js';
import { automatedBackups, instanceArn, ourSnapshots, ownerRequestTag, ownerResourceTag, recoveryInstances, restoreSecrets, restoreTested, snapshotsOfBothRegions } from './scope.js';

const DEFINITION_SOURCE = relative(resolve(import.meta.dirname, '..', '..', '..'), DATABASE_RECOVERY_DEFINITION_FILE);

const recovers = (ctx: Context) => ctx.policy.recovery !== undefined && restoreTested(ctx).length > 0;
/** The production instances a recovery may restore from, copy into and retire. */
const sources = (ctx: Context) => restoreTested(ctx).map((db) => instanceArn(ctx.primary, db));

const step = (spec: Omit<FunctionSpec, 'roles' | 'invokedBy' | 'events' | 'deployedWhen'>): FunctionSpec => ({ roles: ['primary'], deployedWhen: recovers, invokedBy: 'state-machine', events: () => [], ...spec });

const FUNCTIONS = {
  'database-recovery-plan': step({
    description: 'Database recovery: checks the input, picks the snapshot or checks the time against the restorable window, names the new instance',
    timeout: 60,
    memorySize: 256,
    statements: (ctx) => [
      { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: sources(ctx) },
      // The restorable window's EarliestTime (the automated backups of the source).
      { Effect: 'Allow', Action: ['rds:DescribeDBInstanceAutomatedBackups'], Resource: [...sources(ctx), automatedBackups(ctx.primary)] },
      // Our snapshots, and their copies' verification in the secondary.
      { Effect: 'Allow', Action: ['rds:DescribeDBSnapshots'], Resource: snapshotsOfBothRegions(ctx) },
    ],
  }),
  'database-recovery-restore': step({
    description: 'Database recovery: restores the snapshot or the source at a time into the new instance, tagged as this run',
    timeout: 60,
    memorySize: 256,
    statements: (ctx) => [
      // The new instance (recovery prefix only) from our snapshots or the policy's instances; a kept
      // instance takes production's subnet group and parameter group, read at run time: any of this region's.
      {
        Effect: 'Allow',
        Action: ['rds:RestoreDBInstanceFromDBSnapshot', 'rds:RestoreDBInstanceToPointInTime'],
        Resource: [recoveryInstances(ctx.region), ourSnapshots(ctx.region), ...sources(ctx), rdsArn(ctx.region, 'subgrp:*'), rdsArn(ctx.region, 'og:*'), rdsArn(ctx.region, 'pg:*')],
        Condition: ownerRequestTag(ctx),
      },
      { Effect: 'Allow', Action: ['rds:AddTagsToResource'], Resource: [recoveryInstances(ctx.region)], Condition: ownerRequestTag(ctx) },
      { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: [recoveryInstances(ctx.region)] },
      ...keyStatements(ctx, [ctx.role], ['kms:DescribeKey', 'kms:Decrypt'], true, `rds.${ctx.region}.amazonaws.com`),
      ...sourceKeyStatements(ctx),
    ],
  }),
  'database-recovery-copy': step({
    description: 'Database recovery (partial): copies the named tables of the temporary instance into a recovery schema of production',
    timeout: 900,
    memorySize: 512,
    inVpc: true,
    statements: (ctx) =>
      nonEmpty([
        // Production's endpoint; the master credentials both instances take (a restore keeps the source's).
        { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: sources(ctx) },
        { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: restoreSecrets(ctx).map((s) => secretArn(ctx.region, s)) },
      ]),
  }),
  'database-recovery-teardown': step({
    description: "Database recovery: deletes this run's temporary (or failed, unswitched) instance, carrying our tags",
    timeout: 60,
    memorySize: 256,
    retriedErrors: ['TeardownNotReady'],
    statements: (ctx) => [
      { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: [recoveryInstances(ctx.region)] },
      { Effect: 'Allow', Action: ['rds:DeleteDBInstance'], Resource: [recoveryInstances(ctx.region)], Condition: ownerResourceTag(ctx) },
    ],
  }),
  'database-recovery-retire': step({
    description: 'Database recovery (full): tags the replaced instance replaced-by and keep-until, then stops it',
    timeout: 60,
    memorySize: 256,
    statements: (ctx) => [{ Effect: 'Allow', Action: ['rds:DescribeDBInstances', 'rds:AddTagsToResource', 'rds:StopDBInstance'], Resource: sources(ctx) }],
  }),
  'database-recovery-notify': step({
    description: 'Database recovery: the report of every run, published to the alerts topic (critical when it failed)',
    timeout: 30,
    memorySize: 256,
    statements: () => [],
  }),
} satisfies Record<string, FunctionSpec>;

export type DatabaseRecoveryFunction = keyof typeof FUNCTIONS;

const STATE_MACHINES = {
  'database-recovery': { roles: ['primary'], deployedWhen: recovers, id: 'DatabaseRecoveryStateMachine', source: DEFINITION_SOURCE, definition: (ctx) => databaseRecoveryDefinition(ctx.policy), schedules: () => [] },
} satisfies Record<string, StateMachineSpec>;

export type DatabaseRecoveryMachine = keyof typeof STATE_MACHINES;

export const rdsRecovery = { component: 'rds', name: 'rds/recovery', functions: FUNCTIONS, stateMachines: STATE_MACHINES } as const satisfies Contribution;
