// Packaging time only: the RDS backup pipeline's functions — take the scheduled snapshots, copy them to
// the secondary, verify the copies, prune by retention, check the posture, start the automated-backup
// replication the policy enforces, capture the manifests a restore test compares with — with their
// triggers (Scheduler in the policy's time zone, RDS events) and least-privilege IAM.

import { PREFIX, RDS_EVENT, REPORT_PREFIX, SERVICE, TAG } from '../../../shared/contracts.js';
import { nonEmpty, secretArn, unique } from '../../core/cloudformation.js';
import { scheduled, type Contribution, type EventBridgeEvent, type FunctionSpec } from '../../core/contribution.js';
import { keyStatements, sourceKeyStatements } from '../../core/kms.js';
import { postureMemoryStatements, reportsBucketArn, reportsObjects, serviceKeyViaS3 } from '../../platform/reports-bucket.js';
import {
  allInstances,
  allSnapshots,
  automatedBackups,
  instanceArn,
  ourSnapshots,
  ownerRequestTag,
  ownerResourceTag,
  replicationEnforced,
  restoreTested,
  snapshotsOfBothRegions,
} from './scope.js';

const KEY_USE_FOR_COPY = ['kms:DescribeKey', 'kms:Decrypt', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];

/** An RDS snapshot event (EventBridge, UTC) about one of our snapshots. */
function rdsSnapshotEvent(eventId: string, description: string): EventBridgeEvent {
  return {
    eventBridge: {
      description,
      pattern: {
        source: ['aws.rds'],
        'detail-type': ['RDS DB Snapshot Event'],
        detail: { EventID: [eventId], SourceIdentifier: [{ prefix: `${PREFIX.snapshot}-` }] },
      },
    },
  };
}

const FUNCTIONS = {
  'take-db-snapshot': {
    roles: ['primary'],
    invokedBy: 'async',
    description: 'Takes the scheduled manual snapshot of each RDS instance in the policy',
    timeout: 60,
    memorySize: 256,
    // A restore-tested database's snapshot is requested by capture-db-manifest, between its captures
    // (bracketing manifests): scheduling it here too would race them.
    events: (ctx) =>
      ctx.policy.resources.databases
        .filter((db) => db.restoreTest === undefined)
        .map((db) => scheduled(ctx, db.schedule, `${SERVICE}: snapshot of ${db.name} (${db.instanceId})`, { resources: [db.name], scheduledTime: '<aws.scheduler.scheduled-time>' })),
    statements: (ctx) => {
      const instances = ctx.policy.resources.databases.map((db) => instanceArn(ctx.primary, db));
      return nonEmpty([
        { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: instances },
        { Effect: 'Allow', Action: ['rds:CreateDBSnapshot'], Resource: instances.length === 0 ? [] : [...instances, ourSnapshots(ctx.primary)] },
        // Tag-on-create needs AddTagsToResource; only requests that carry our owner tag.
        { Effect: 'Allow', Action: ['rds:AddTagsToResource'], Resource: [ourSnapshots(ctx.primary)], Condition: ownerRequestTag(ctx) },
      ]);
    },
  },
  'copy-db-snapshots': {
    roles: ['primary'],
    invokedBy: 'async',
    description: 'Copies our available snapshots to the secondary region, re-encrypted with its key',
    timeout: 120,
    memorySize: 256,
    events: (ctx) => [
      scheduled(ctx, ctx.policy.rds.reconcileSchedule, `${SERVICE}: fallback run of the cross-region copy reconciler`),
      rdsSnapshotEvent(RDS_EVENT.manualSnapshotCreated, `${SERVICE}: copy as soon as a snapshot of ours is created`),
    ],
    statements: (ctx) => [
      { Effect: 'Allow', Action: ['rds:DescribeDBSnapshots'], Resource: snapshotsOfBothRegions(ctx) },
      { Effect: 'Allow', Action: ['rds:CopyDBSnapshot'], Resource: [ourSnapshots(ctx.primary), ourSnapshots(ctx.secondary)] },
      { Effect: 'Allow', Action: ['rds:AddTagsToResource'], Resource: [ourSnapshots(ctx.secondary)], Condition: ownerRequestTag(ctx) },
      ...keyStatements(ctx, ['primary', 'secondary'], KEY_USE_FOR_COPY, true),
      // A snapshot of a database encrypted with its own customer key (kms.source) is copied from it.
      ...sourceKeyStatements(ctx),
    ],
  },
  'verify-db-snapshots': {
    roles: ['secondary'],
    invokedBy: 'async',
    description: 'Verifies the cross-region copies against their sources and tags them verified',
    timeout: 120,
    memorySize: 256,
    events: (ctx) => [
      scheduled(ctx, ctx.policy.rds.reconcileSchedule, `${SERVICE}: fallback run of the copy verifier`),
      rdsSnapshotEvent(RDS_EVENT.crossRegionCopyFinished, `${SERVICE}: verify as soon as a cross-region copy of ours finishes`),
    ],
    statements: (ctx) => [
      { Effect: 'Allow', Action: ['rds:DescribeDBSnapshots'], Resource: snapshotsOfBothRegions(ctx) },
      // Marks copies verified / failed (and clears "failed" when a stuck copy recovers) and records the
      // progress of copies in flight: only copies carrying our owner tag, and only those three tag keys —
      // never the ownership tags.
      {
        Effect: 'Allow',
        Action: ['rds:AddTagsToResource'],
        Resource: [ourSnapshots(ctx.secondary)],
        Condition: { ...ownerResourceTag(ctx), 'ForAllValues:StringEquals': { 'aws:TagKeys': [TAG.verifiedAt, TAG.verificationFailed, TAG.copyProgress] } },
      },
      {
        Effect: 'Allow',
        Action: ['rds:RemoveTagsFromResource'],
        Resource: [ourSnapshots(ctx.secondary)],
        Condition: { ...ownerResourceTag(ctx), 'ForAllValues:StringEquals': { 'aws:TagKeys': [TAG.verificationFailed] } },
      },
      ...keyStatements(ctx, ['secondary'], ['kms:DescribeKey'], false),
    ],
  },
  'prune-db-snapshots': {
    roles: ['primary', 'secondary'],
    invokedBy: 'async',
    description: "Deletes this region's snapshots of ours that the retention policy no longer keeps",
    timeout: 300,
    memorySize: 256,
    events: (ctx) => [scheduled(ctx, ctx.policy.rds.pruneSchedule, `${SERVICE}: daily retention run`)],
    statements: (ctx) => {
      // Each region reads the other's snapshots: the primary its copies (a source goes only once its copy
      // is verified), both the counterparts' legal holds (a hold on either side holds both).
      const regions = [ctx.primary, ctx.secondary];
      return [
        { Effect: 'Allow', Action: ['rds:DescribeDBSnapshots'], Resource: regions.flatMap((r) => [allSnapshots(r), allInstances(r)]) },
        // The only snapshot delete permission in the service: our snapshot ids, in this region, carrying our owner tag.
        { Effect: 'Allow', Action: ['rds:DeleteDBSnapshot'], Resource: [ourSnapshots(ctx.region)], Condition: ownerResourceTag(ctx) },
      ];
    },
  },
  // Reads only: starting a replication is replicate-db-backups' (deployed only where the policy enforces it).
  'check-db-posture': {
    roles: ['primary'],
    invokedBy: 'async',
    description: 'Daily posture check: automated backups, their replication, RPO figures, snapshot quota',
    timeout: 120,
    memorySize: 256,
    events: (ctx) => [scheduled(ctx, ctx.policy.rds.postureSchedule, `${SERVICE}: daily posture check`)],
    statements: (ctx) =>
      nonEmpty([
        { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: ctx.policy.resources.databases.map((db) => instanceArn(ctx.primary, db)) },
        { Effect: 'Allow', Action: ['rds:DescribeDBInstanceAutomatedBackups'], Resource: [automatedBackups(ctx.secondary), allInstances(ctx.secondary)] },
        { Effect: 'Allow', Action: ['rds:DescribeDBSnapshots'], Resource: snapshotsOfBothRegions(ctx) },
        // DescribeAccountAttributes has no resource type: IAM only accepts "*" for it (read-only quotas).
        { Effect: 'Allow', Action: ['rds:DescribeAccountAttributes'], Resource: ['*'] },
        // The rotation of each region's backup key (DescribeKey resolves an alias: GetKeyRotationStatus takes none).
        ...keyStatements(ctx, ['primary', 'secondary'], ['kms:DescribeKey', 'kms:GetKeyRotationStatus'], false),
        // What it last alerted (alert once per change).
        ...postureMemoryStatements(ctx),
      ]),
  },
  'replicate-db-backups': {
    roles: ['primary'],
    deployedWhen: (ctx) => replicationEnforced(ctx).length > 0,
    invokedBy: 'async',
    description: 'Starts cross-region replication of automated backups where the policy enforces it',
    timeout: 120,
    memorySize: 256,
    events: (ctx) => [scheduled(ctx, ctx.policy.rds.postureSchedule, `${SERVICE}: start automated-backup replication where enforced`)],
    statements: (ctx) => {
      const enforced = replicationEnforced(ctx).map((db) => instanceArn(ctx.primary, db));
      return nonEmpty([
        { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: enforced },
        // The replica lands in the secondary, encrypted with its key: RDS creates a grant on it for the caller.
        { Effect: 'Allow', Action: ['rds:StartDBInstanceAutomatedBackupsReplication'], Resource: [...enforced, automatedBackups(ctx.secondary)] },
        ...keyStatements(ctx, ['secondary'], ['kms:DescribeKey'], true),
      ]);
    },
  },
  'capture-db-manifest': {
    roles: ['primary'],
    invokedBy: 'async',
    description: 'Brackets each snapshot of a restore-tested database with manifests (before its request, after it is created) that restore tests compare with',
    timeout: 900,
    memorySize: 512,
    inVpc: true,
    // Per database at its schedule: capture "before", then request the snapshot. The RDS "manual snapshot
    // created" event: capture "after". The reconcile schedule: the "after" captures whose event was lost.
    events: (ctx) => {
      const databases = restoreTested(ctx);
      if (databases.length === 0) return [];
      return [
        ...databases.map((db) =>
          scheduled(ctx, db.schedule, `${SERVICE}: manifest of ${db.name} (${db.instanceId}), then its snapshot`, { resources: [db.name], scheduledTime: '<aws.scheduler.scheduled-time>' }),
        ),
        rdsSnapshotEvent(RDS_EVENT.manualSnapshotCreated, `${SERVICE}: the manifest after a snapshot of ours is created`),
        scheduled(ctx, ctx.policy.rds.reconcileSchedule, `${SERVICE}: manifests after snapshots whose event was lost`, { reconcile: true }),
      ];
    },
    statements: (ctx) => {
      const databases = restoreTested(ctx);
      const instances = databases.map((db) => instanceArn(ctx.primary, db));
      return nonEmpty([
        { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: instances },
        { Effect: 'Allow', Action: ['rds:CreateDBSnapshot'], Resource: instances.length === 0 ? [] : [...instances, ourSnapshots(ctx.primary)] },
        // Tag-on-create needs AddTagsToResource; only requests that carry our owner tag.
        { Effect: 'Allow', Action: ['rds:AddTagsToResource'], Resource: instances.length === 0 ? [] : [ourSnapshots(ctx.primary)], Condition: ownerRequestTag(ctx) },
        { Effect: 'Allow', Action: ['rds:DescribeDBSnapshots'], Resource: instances.length === 0 ? [] : [allSnapshots(ctx.primary), allInstances(ctx.primary)] },
        { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: unique(databases.map((db) => db.restoreTest.credentialsSecret)).map((s) => secretArn(ctx.primary, s)) },
        { Effect: 'Allow', Action: ['s3:PutObject'], Resource: [reportsObjects(REPORT_PREFIX.manifests)] },
        // The "after" capture reads the "before" (and writes once, conditionally).
        { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [reportsObjects(REPORT_PREFIX.manifests)] },
        // A missing manifest is NoSuchKey (not AccessDenied) only with ListBucket; only the manifests.
        { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [reportsBucketArn()], Condition: { StringLike: { 's3:prefix': [`${REPORT_PREFIX.manifests}*`] } } },
        serviceKeyViaS3(ctx, ['kms:GenerateDataKey']),
      ]);
    },
  },
  // Compares each new manifest with the one before it; quarantines (tags) the earlier snapshots in both
  // regions on an anomaly, and releases a quarantine on an operator's request. Outside the VPC.
  'check-db-anomalies': {
    roles: ['primary'],
    invokedBy: 'async',
    description: 'Compares consecutive manifests, quarantines the backups before an anomaly and alerts; releases a quarantine on request',
    timeout: 300,
    memorySize: 256,
    events: (ctx) => [scheduled(ctx, ctx.policy.rds.reconcileSchedule, `${SERVICE}: anomalies between consecutive backups`)],
    statements: (ctx) => [
      // Lists only the manifests and the records of what was judged.
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [reportsBucketArn()], Condition: { StringLike: { 's3:prefix': [`${REPORT_PREFIX.manifests}*`, `${REPORT_PREFIX.anomalies}*`] } } },
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [reportsObjects(REPORT_PREFIX.manifests)] },
      { Effect: 'Allow', Action: ['s3:PutObject'], Resource: [reportsObjects(REPORT_PREFIX.anomalies)] },
      serviceKeyViaS3(ctx, ['kms:GenerateDataKey']),
      { Effect: 'Allow', Action: ['rds:DescribeDBSnapshots'], Resource: snapshotsOfBothRegions(ctx) },
      // Only the quarantine tag, only on snapshots of ours, in both regions.
      ...(['rds:AddTagsToResource', 'rds:RemoveTagsFromResource'] as const).map((action) => ({
        Effect: 'Allow' as const,
        Action: [action],
        Resource: [ourSnapshots(ctx.primary), ourSnapshots(ctx.secondary)],
        Condition: { ...ownerResourceTag(ctx), 'ForAllValues:StringEquals': { 'aws:TagKeys': [TAG.quarantine] } },
      })),
    ],
  },
} satisfies Record<string, FunctionSpec>;

export type RdsBackupFunction = keyof typeof FUNCTIONS;

export const rdsBackup = { component: 'rds', name: 'rds/backup', functions: FUNCTIONS } as const satisfies Contribution;
