// Packaging time only: region failover — the steps of the region-failover state machine of its own
// (assess, progress, notify, report; the database's restore and status are rds/failover.ts's) with
// least-privilege IAM, and the state machine (state-machines/platform/region-failover.asl.json) with the
// monthly rehearsal's schedule. In the secondary region only, and only with the policy's recovery
// section: nothing here needs the primary (assess asks the primary's instances for their state, and does
// without an answer). It also invokes validate-restore and restore-test-teardown (rds/restore-test) and
// the approval part's request-approval, set-maintenance-mode, switch-endpoint (issue 14 contracts) and
// check-endpoint-change (a Route 53 switch's wait), which the secondary deploys alongside.
//
// DescribeDBInstanceAutomatedBackups and DescribeDBSnapshots list on auto-backup:* / snapshot:* and db:*.

import { relative, resolve } from 'node:path';
import { ENV, exportBucketName, PREFIX, REPORT_PREFIX, SERVICE } from '../../../shared/contracts.js';
import { REGION_FAILOVER_DEFINITION_FILE, regionFailoverDefinition } from '../../../state-machines/platform/region-failover.js';
import { ACCOUNT, nonEmpty, PARTITION, sub, type CfnValue, type Statement } from '../../core/cloudformation.js';
import type { Context, Contribution, FunctionSpec, StateMachineSpec } from '../../core/contribution.js';
import { reportsBucketArn, reportsObjects, serviceKeyViaS3 } from '../../platform/reports-bucket.js';
import { failoverInstances } from '../rds/failover.js';
import { failoverCachesOf } from '../redis/failover.js';
import { allInstances, allSnapshots, automatedBackups, instanceArn } from '../rds/scope.js';

const DEFINITION_SOURCE = relative(resolve(import.meta.dirname, '..', '..', '..'), REGION_FAILOVER_DEFINITION_FILE);

/** Deployed in the secondary with the recovery section; the databases it brings up are those with a failover section. */
const hasRecovery = (ctx: Context) => ctx.policy.recovery !== undefined;

/** The run record under runs/ in this region's reports bucket (service key through S3). */
const runRecords = REPORT_PREFIX.runs;
const listRuns: Statement = { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [reportsBucketArn()], Condition: { StringLike: { 's3:prefix': [`${runRecords}*`] } } };

const step = (spec: Omit<FunctionSpec, 'roles' | 'invokedBy' | 'events' | 'deployedWhen'>): FunctionSpec => ({ roles: ['secondary'], deployedWhen: hasRecovery, invokedBy: 'state-machine', events: () => [], ...spec });

const FUNCTIONS = {
  'failover-assess': step({
    description: 'Region failover: what the secondary holds per database (replica, replicated automated backups, verified copies) and cache (verified exports), the data loss each implies, the plan; records the run',
    timeout: 60,
    memorySize: 256,
    // This region's export bucket by its deterministic name, when caches are failed over.
    environment: (ctx): Record<string, CfnValue> => (failoverCachesOf(ctx).length === 0 ? {} : { [ENV.exportBucket]: sub(exportBucketName(ctx.stage, ACCOUNT, ctx.region)) }),
    statements: (ctx) =>
      nonEmpty([
        // The caches' exports (listing and the verified marks) and the manifests captured with them.
        ...(failoverCachesOf(ctx).length === 0
          ? []
          : [
              { Effect: 'Allow' as const, Action: ['s3:ListBucket'], Resource: [sub(`arn:${PARTITION}:s3:::${exportBucketName(ctx.stage, ACCOUNT, ctx.region)}`)] },
              { Effect: 'Allow' as const, Action: ['s3:GetObjectTagging'], Resource: [sub(`arn:${PARTITION}:s3:::${exportBucketName(ctx.stage, ACCOUNT, ctx.region)}/${PREFIX.snapshot}-*`)] },
              { Effect: 'Allow' as const, Action: ['s3:GetObject'], Resource: [reportsObjects(REPORT_PREFIX.manifests)] },
              { Effect: 'Allow' as const, Action: ['s3:ListBucket'], Resource: [reportsBucketArn()] },
            ]),
        // Our copies (with their tags), the replica, the replicated automated backups: this region.
        { Effect: 'Allow', Action: ['rds:DescribeDBSnapshots'], Resource: [allSnapshots(ctx.region), allInstances(ctx.region)] },
        { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: failoverInstances(ctx) },
        { Effect: 'Allow', Action: ['rds:DescribeDBInstanceAutomatedBackups'], Resource: [automatedBackups(ctx.region), allInstances(ctx.region)] },
        // The primary's instances, asked for their state only (an unanswered call is not an error).
        { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: ctx.policy.resources.databases.map((db) => instanceArn(ctx.primary, db)) },
        // The run record: the run resumed (list and read), and this run's start (write).
        listRuns,
        { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [reportsObjects(runRecords)] },
        serviceKeyViaS3(ctx, ['kms:Decrypt', 'kms:GenerateDataKey']),
      ]),
  }),
  'failover-progress': step({
    description: 'Region failover: records a step done in the run record and reports it (info)',
    timeout: 30,
    memorySize: 256,
    statements: (ctx) => [{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: [reportsObjects(runRecords)] }, serviceKeyViaS3(ctx, ['kms:GenerateDataKey'])],
  }),
  'failover-notify': step({
    description: 'Region failover: the alert of a run not approved or failed, with the steps done and how to resume',
    timeout: 30,
    memorySize: 256,
    statements: () => [listRuns],
  }),
  'failover-report': step({
    description: 'Region failover: the evidence (measured RTO per database and overall, RPO) in the reports bucket, and the final alert',
    timeout: 30,
    memorySize: 256,
    statements: (ctx) => [{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: [reportsObjects(REPORT_PREFIX.evidence)] }, serviceKeyViaS3(ctx, ['kms:GenerateDataKey'])],
  }),
} satisfies Record<string, FunctionSpec>;

export type FailoverFunction = keyof typeof FUNCTIONS;

const STATE_MACHINES = {
  'region-failover': {
    roles: ['secondary'],
    deployedWhen: hasRecovery,
    id: 'RegionFailoverStateMachine',
    source: DEFINITION_SOURCE,
    definition: (ctx) => regionFailoverDefinition(ctx.policy),
    // The policy's monthly full DR drill, done by the state machine itself: everything up to validation, then torn down.
    schedules: (ctx) =>
      ctx.policy.recovery?.rehearsal.enabled === true
        ? [{ expression: ctx.policy.recovery.rehearsal.schedule, input: { mode: 'rehearsal' }, description: `${SERVICE}: monthly DR rehearsal (region-failover in rehearsal mode)` }]
        : [],
  },
} satisfies Record<string, StateMachineSpec>;

export type FailoverMachine = keyof typeof STATE_MACHINES;

/**
 * validate-restore (rds/restore-test) reads the secrets of the restore tests in this region; a failover
 * secret other than those would be refused at validation, in the middle of a failover.
 */
function secretWarnings(ctx: Context): string[] {
  if (ctx.role !== 'secondary' || ctx.policy.recovery === undefined) return [];
  return ctx.policy.resources.databases.flatMap((db, index) => {
    const secret = db.failover?.credentialsSecret;
    const tested = db.pitrTest?.credentialsSecret ?? db.restoreTest?.secondary?.credentialsSecret ?? db.restoreTest?.credentialsSecret;
    return secret === undefined || secret === tested
      ? []
      : [`resources.databases[${index}].failover.credentialsSecret (${secret}) is not a secret the restore tests use in ${ctx.region} (${tested ?? 'none'}): validate-restore may not read it, so region-failover cannot validate ${db.name}`];
  });
}

export const platformFailover = { component: 'platform', name: 'platform/failover', functions: FUNCTIONS, stateMachines: STATE_MACHINES, warnings: secretWarnings } as const satisfies Contribution;
