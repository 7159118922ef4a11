// Packaging time only: the restore and PITR tests — the steps the state machines invoke (plan, restore,
// status, validate, teardown, record, notify) with their least-privilege IAM, and the two state machines
// made from state-machines/rds/restore-test.asl.json with their schedules per the policy.

import { relative, resolve } from 'node:path';
import { REPORT_PREFIX, SERVICE } from '../../../shared/contracts.js';
import { DEFINITION_FILE, RESTORE_TEST_MACHINES, restoreTestDefinition, type RestoreTestMachine } from '../../../state-machines/rds/restore-test.js';
import { nonEmpty, rdsArn, secretArn } from '../../core/cloudformation.js';
import type { Contribution, FunctionSpec, StateMachineSpec } from '../../core/contribution.js';
import { keyStatements, sourceKeyStatements } from '../../core/kms.js';
import { reportsBucketArn, reportsObjects, serviceKeyViaS3 } from '../../platform/reports-bucket.js';
import {
  allInstances,
  automatedBackups,
  instanceArn,
  ourSnapshots,
  ownerRequestTag,
  ownerResourceTag,
  pitrTested,
  restoreInstances,
  restoreSecrets,
  restoreSubnetGroups,
  restoreTested,
  runsPitr,
  snapshotsOfBothRegions,
} from './scope.js';

const DEFINITION_SOURCE = relative(resolve(import.meta.dirname, '..', '..', '..'), DEFINITION_FILE);

/** The steps are invoked synchronously by the state machines, which retry them: no triggers of their own. */
const step = (spec: Omit<FunctionSpec, 'roles' | 'invokedBy' | 'events'>): FunctionSpec => ({
  roles: ['primary', 'secondary'],
  invokedBy: 'state-machine',
  events: () => [],
  ...spec,
});

const FUNCTIONS = {
  'restore-test-plan': step({
    description: 'Restore and PITR tests: checks the request, picks the snapshot or point in time, names the temporary instance',
    timeout: 60,
    memorySize: 256,
    statements: (ctx) =>
      nonEmpty([
        // Our snapshots in both regions (a primary-region test restores only sources whose copy is verified).
        { Effect: 'Allow', Action: ['rds:DescribeDBSnapshots'], Resource: snapshotsOfBothRegions(ctx) },
        // PITR (the secondary's pitr-test): the restore window of the replicated automated backups.
        ...(runsPitr(ctx)
          ? [{ Effect: 'Allow' as const, Action: ['rds:DescribeDBInstanceAutomatedBackups'], Resource: [automatedBackups(ctx.secondary), allInstances(ctx.secondary)] }]
          : []),
      ]),
  }),
  'restore-test-restore': step({
    description: 'Restore and PITR tests: restores into the temporary instance (tagged as ours, private, smallest class)',
    timeout: 60,
    memorySize: 256,
    statements: (ctx) => {
      const databases = restoreTested(ctx);
      const pitr = runsPitr(ctx) ? pitrTested(ctx) : [];
      if (databases.length === 0) return [];
      return [
        // RDS authorizes the restore on the new instance (temporary prefix only), its source (our
        // snapshots / the replicated automated backups), the subnet group the policy names, and the option
        // and parameter groups RDS picks from the snapshot (not known before the restore). Only requests
        // that tag the new instance as ours.
        {
          Effect: 'Allow',
          Action: ['rds:RestoreDBInstanceFromDBSnapshot', ...(pitr.length > 0 ? ['rds:RestoreDBInstanceToPointInTime'] : [])],
          Resource: [
            restoreInstances(ctx.region),
            ourSnapshots(ctx.region),
            ...(pitr.length > 0 ? [automatedBackups(ctx.region)] : []),
            ...restoreSubnetGroups(ctx).map((name) => rdsArn(ctx.region, `subgrp:${name}`)),
            rdsArn(ctx.region, 'og:*'),
            rdsArn(ctx.region, 'pg:*'),
          ],
          Condition: ownerRequestTag(ctx),
        },
        // Tag-on-create (the Tags of the restore request): only with our owner tag.
        { Effect: 'Allow', Action: ['rds:AddTagsToResource'], Resource: [restoreInstances(ctx.region)], Condition: ownerRequestTag(ctx) },
        // A retried step finds the instance already there and checks that it is ours.
        { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: [restoreInstances(ctx.region)] },
        // The restored instance is encrypted with the snapshot's (backups') key: RDS creates a grant on
        // it for the caller. This region's key (the policy's, else the service's own), only through RDS here.
        ...keyStatements(ctx, [ctx.role], ['kms:DescribeKey', 'kms:Decrypt'], true, `rds.${ctx.region}.amazonaws.com`),
        // In the primary, a snapshot of a database encrypted with its own customer key (kms.source).
        ...(ctx.role === 'primary' ? sourceKeyStatements(ctx) : []),
      ];
    },
  }),
  'restore-test-status': step({
    description: 'Restore and PITR tests: is the temporary instance available yet (the state machine retries)',
    timeout: 30,
    memorySize: 256,
    // "Not available yet" is an error the state machine retries every minute for hours: no Errors alarm.
    retriedErrors: ['RestoreNotReady'],
    statements: (ctx) => [{ Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: [restoreInstances(ctx.region)] }],
  }),
  'validate-restore': step({
    description: 'Restore and PITR tests: connects to the restored database and runs the policy checks',
    timeout: 900,
    memorySize: 512,
    inVpc: true,
    statements: (ctx) => {
      const live = restoreTested(ctx).filter((db) => db.validation.rowCounts.mode === 'live');
      return nonEmpty([
        // The master credentials of the restored copy (a restore keeps the source's), this region's secrets.
        { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: restoreSecrets(ctx).map((s) => secretArn(ctx.region, s)) },
        // The manifest captured with the snapshot, in this region's reports bucket (the secondary's holds
        // replicas of the primary's, platform/replication.ts): readable through the VPC's S3 gateway
        // endpoint, and still there when the primary region is gone.
        { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [reportsObjects(REPORT_PREFIX.manifests)] },
        // Without s3:ListBucket, S3 answers GetObject of a missing key with 403 AccessDenied instead of
        // 404 NoSuchKey (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, Permissions).
        // On the bucket, unconditioned: that check carries no s3:prefix a condition could match.
        { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [reportsBucketArn()] },
        // The full validation report; objects are encrypted with the service key through S3 (Decrypt, for
        // reading the manifests, is the alert statement's).
        { Effect: 'Allow', Action: ['s3:PutObject'], Resource: [reportsObjects(REPORT_PREFIX.validation)] },
        serviceKeyViaS3(ctx, ['kms:GenerateDataKey']),
        // rowCounts mode "live": the live source's endpoint.
        { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: live.map((db) => instanceArn(ctx.primary, db)) },
      ]);
    },
  }),
  'restore-test-teardown': step({
    description: "Restore and PITR tests: deletes the temporary instance (only this run's, carrying our tags)",
    timeout: 60,
    memorySize: 256,
    // "Cannot be deleted yet" (backing-up after the restore, modifying) is retried every minute: no Errors alarm.
    retriedErrors: ['TeardownNotReady'],
    statements: (ctx) => [
      { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: [restoreInstances(ctx.region)] },
      // The only instance delete permission in the service: temporary instances, in this region, carrying
      // our owner tag. (SkipFinalSnapshot: no CreateDBSnapshot; DeleteAutomatedBackups needs no more.)
      { Effect: 'Allow', Action: ['rds:DeleteDBInstance'], Resource: [restoreInstances(ctx.region)], Condition: ownerResourceTag(ctx) },
    ],
  }),
  'restore-test-record': step({
    description: "Restore and PITR tests: judges the run and writes the evidence to this region's reports bucket",
    timeout: 60,
    memorySize: 256,
    statements: (ctx) => [
      { Effect: 'Allow', Action: ['s3:PutObject'], Resource: [reportsObjects(REPORT_PREFIX.evidence)] },
      serviceKeyViaS3(ctx, ['kms:GenerateDataKey']),
    ],
  }),
  'restore-test-notify': step({
    description: 'Restore and PITR tests: publishes a failed test to the alerts topic',
    timeout: 30,
    memorySize: 256,
    statements: () => [],
  }),
} satisfies Record<string, FunctionSpec>;

export type RestoreTestFunction = keyof typeof FUNCTIONS;

const STATE_MACHINES = {
  // Both regions: the primary runs the scheduled tests; the secondary can restore its copies (input
  // region "secondary") while the primary is down, and runs the tests of databases whose
  // restoreTest.region is "secondary".
  'restore-test': {
    roles: ['primary', 'secondary'],
    id: 'RestoreTestStateMachine',
    source: DEFINITION_SOURCE,
    definition: (ctx) => restoreTestDefinition(RESTORE_TEST_MACHINES['restore-test'], ctx.policy),
    schedules: (ctx) =>
      restoreTested(ctx)
        .filter((db) => db.restoreTest.region === ctx.role)
        .map((db) => ({ expression: db.restoreTest.schedule, input: { resource: db.name }, description: `${SERVICE}: restore test of ${db.name}` })),
  },
  // The secondary: point-in-time restore from the replicated automated backups; works with the primary down.
  'pitr-test': {
    roles: ['secondary'],
    id: 'PitrTestStateMachine',
    source: DEFINITION_SOURCE,
    definition: (ctx) => restoreTestDefinition(RESTORE_TEST_MACHINES['pitr-test'], ctx.policy),
    schedules: (ctx) => pitrTested(ctx).map((db) => ({ expression: db.pitrTest.schedule, input: { resource: db.name }, description: `${SERVICE}: PITR test of ${db.name}` })),
  },
} satisfies Record<RestoreTestMachine, StateMachineSpec>;

export const rdsRestoreTest = {
  component: 'rds',
  name: 'rds/restore-test',
  functions: FUNCTIONS,
  stateMachines: STATE_MACHINES,
  warnings: (ctx) =>
    ctx.policy.resources.databases.flatMap((db, index) =>
      db.pitrTest !== undefined && db.restoreTest === undefined
        ? [`resources.databases[${index}] (${db.name}) has pitrTest but no restoreTest: a PITR test needs the restoreTest settings (credentials, database); it is not scheduled`]
        : [],
    ),
} as const satisfies Contribution;
