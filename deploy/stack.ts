// Packaging time only (never bundled into a Lambda): turns the validated policy and the target region
// into the parts of serverless.yml that depend on them — which functions this region's role deploys,
// their triggers (EventBridge Scheduler in the policy's time zone, RDS events), one least-privilege IAM
// statement list per function, the state machines (restore test, PITR test) with their roles, logs,
// schedules and failure rule, and the resources around them (reports bucket, Scheduler roles, KMS
// alias, e-mail subscriptions). serverless.yml reads it through deploy/serverless.cjs.

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadPolicyFile, type RegionRole } from '../shared/policy/load.js';
import type { DatabaseResource, Policy } from '../shared/policy/schema.js';
import { SNAPSHOT_PREFIX } from '../shared/rds/naming.js';
import { OWNER_VALUE, TAG, VERIFICATION_FAILED_TAG } from '../shared/tags.js';

export const SERVICE = 'backup-dr';

/** Logical ids of the resources serverless.yml declares and the helper refers to. */
export const LOGICAL_ID = {
  key: 'ServiceKey',
  keyAlias: 'ServiceKeyAlias',
  topic: 'AlertsTopic',
  schedulerRole: 'SchedulerInvokeRole',
  stateMachineSchedulerRole: 'SchedulerStartExecutionRole',
  reportsBucket: 'ReportsBucket',
  reportsBucketPolicy: 'ReportsBucketPolicy',
  executionFailedRule: 'StateMachineExecutionFailedRule',
} as const;

/** RDS event ids (EventBridge `detail.EventID`, detail-type "RDS DB Snapshot Event"). */
export const RDS_EVENT = {
  /** "Manual snapshot created." — in the region of the snapshot (the primary). */
  manualSnapshotCreated: 'RDS-EVENT-0042',
  /** "Finished copy of snapshot … from region …" — cross-Region copy, in the destination region. */
  crossRegionCopyFinished: 'RDS-EVENT-0060',
} as const;

export const FUNCTION_NAMES = [
  'take-db-snapshot',
  'copy-db-snapshots',
  'verify-db-snapshots',
  'prune-db-snapshots',
  'check-db-posture',
  'capture-db-manifest',
  'restore-test-plan',
  'restore-test-restore',
  'restore-test-status',
  'validate-restore',
  'restore-test-teardown',
  'restore-test-record',
  'restore-test-notify',
] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/**
 * The temporary instances of restore and PITR tests: restore-test-plan names them "bdr-rt-…" and
 * "bdr-pitr-…" (functions/restore-test-plan/plan.ts). The only DB instances the service creates,
 * describes by name or deletes.
 */
export const RESTORE_INSTANCE_PREFIX = 'bdr-';

/** Where the reports bucket keeps restore-test evidence and snapshot manifests (shared/aws/manifests.ts). */
export const REPORT_PREFIX = { evidence: 'evidence/', manifests: 'manifests/' } as const;

/** Retention of the reports bucket (the evidence is the audit log of the restore tests). */
export const REPORT_RETENTION = {
  evidenceArchiveAfterDays: 365,
  evidenceArchiveClass: 'GLACIER',
  evidenceExpireAfterDays: 1825,
  manifestsExpireAfterDays: 400,
  /** A superseded manifest (the same snapshot captured again) is kept only briefly. */
  manifestsNoncurrentExpireAfterDays: 30,
} as const;

export type StateMachineName = 'restore-test' | 'pitr-test';

// ---- CloudFormation / IAM shapes -------------------------------------------------------------------

export type CfnValue = string | { 'Fn::Sub': string } | { 'Fn::GetAtt': [string, string] } | { Ref: string };

export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: readonly string[];
  readonly Resource: readonly CfnValue[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface ScheduleEvent {
  readonly schedule: {
    readonly method: 'scheduler';
    readonly rate: readonly string[];
    readonly timezone: string;
    readonly roleArn: CfnValue;
    readonly description: string;
    readonly input?: Readonly<Record<string, unknown>>;
  };
}

export interface EventBridgeEvent {
  readonly eventBridge: {
    readonly description: string;
    readonly pattern: Readonly<Record<string, unknown>>;
  };
}

export type FunctionEvent = ScheduleEvent | EventBridgeEvent;

export interface VpcConfig {
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
}

export interface FunctionConfig {
  readonly handler: string;
  readonly description: string;
  readonly timeout: number;
  readonly memorySize: number;
  /**
   * Async invocations (Scheduler, EventBridge): one retry, then the failure is Lambda's Errors metric.
   * Absent for the steps of a state machine: it invokes them synchronously and retries them itself.
   */
  readonly maximumRetryAttempts?: number;
  readonly events: readonly FunctionEvent[];
  readonly iamRoleStatements: readonly Statement[];
  /** Besides the provider's environment. */
  readonly environment?: Readonly<Record<string, CfnValue>>;
  /** Functions that connect to the databases run in the VPC (ENI permissions: AWSLambdaVPCAccessExecutionRole). */
  readonly vpc?: VpcConfig;
}

/** A state machine as serverless-step-functions (3.31) takes it under `stepFunctions.stateMachines`. */
export interface StateMachineConfig {
  /** Its CloudFormation logical id. */
  readonly id: string;
  readonly name: string;
  readonly definition: Record<string, unknown>;
  readonly role: CfnValue;
  readonly loggingConfig: { readonly level: 'ERROR'; readonly includeExecutionData: boolean; readonly destinations: readonly CfnValue[] };
  readonly tracingConfig: { readonly enabled: boolean };
  readonly events: readonly StateMachineScheduleEvent[];
}

export interface StateMachineScheduleEvent {
  readonly schedule: {
    readonly method: 'scheduler';
    readonly rate: string;
    readonly timezone: string;
    readonly role: CfnValue;
    readonly description: string;
    readonly input: Readonly<Record<string, unknown>>;
  };
}

export interface Deployment {
  readonly role: RegionRole;
  readonly region: string;
  readonly functions: Readonly<Partial<Record<FunctionName, FunctionConfig>>>;
  readonly stateMachines: Readonly<Partial<Record<StateMachineName, StateMachineConfig>>>;
  readonly resources: { readonly Resources: Readonly<Record<string, unknown>>; readonly Outputs: Readonly<Record<string, unknown>> };
  /** Things packaging should say out loud (e.g. validation functions without VPC access). */
  readonly warnings: readonly string[];
}

export interface DeploymentInput {
  readonly policy: Policy;
  /** The region being packaged (`--region`, default the policy's primary). */
  readonly region: string;
  readonly stage: string;
  /** Where the policy came from, for messages. */
  readonly policySource: string;
  /**
   * Where validate-restore and capture-db-manifest run (`--param="validationSubnets=…"` and
   * `--param="validationSecurityGroups=…"`): the VPC of the databases. Absent: packaged without a VPC,
   * with a warning (they then cannot reach a private database).
   */
  readonly validationNetwork?: { readonly subnetIds?: readonly string[]; readonly securityGroupIds?: readonly string[] };
}

/** A packaging error whose message is the whole story (no stack trace needed). */
export class PackagingError extends Error {
  override name = 'PackagingError';
}

// ---- helpers ----------------------------------------------------------------------------------------

const sub = (text: string): CfnValue => ({ 'Fn::Sub': text });
const getAtt = (logicalId: string): CfnValue => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
const ACCOUNT = '${AWS::AccountId}';
const PARTITION = '${AWS::Partition}';
const rdsArn = (region: string, resource: string) => sub(`arn:${PARTITION}:rds:${region}:${ACCOUNT}:${resource}`);
/** Our snapshots (primary ones and their copies share the id): the only ones we create, tag or delete. */
const ourSnapshots = (region: string) => rdsArn(region, `snapshot:${SNAPSHOT_PREFIX}-*`);
/** Every DB snapshot / DB instance of the account in one region (the Describe calls list them all). */
const allSnapshots = (region: string) => rdsArn(region, 'snapshot:*');
const allInstances = (region: string) => rdsArn(region, 'db:*');
/** The temporary instances of restore and PITR tests in one region. */
const restoreInstances = (region: string) => rdsArn(region, `db:${RESTORE_INSTANCE_PREFIX}*`);
const unique = <T>(values: readonly T[]): T[] => [...new Set(values)];

const STATE_MACHINE_DIR = resolve(import.meta.dirname, '..', 'state-machines', 'rds');

/** osls' logical id of a function: "take-db-snapshot" → "TakeDashdbDashsnapshotLambdaFunction". */
export function lambdaLogicalId(name: string): string {
  const normalized = name.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return `${normalized.charAt(0).toUpperCase()}${normalized.slice(1)}LambdaFunction`;
}

/** The ASL files' name for a function ("restoreTestPlan") → its key here ("restore-test-plan"). */
export function functionKeyOf(aslName: string): string {
  return aslName.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/**
 * The reports bucket's deterministic name in one region (a CloudFormation Fn::Sub text): computable in
 * every region, so the secondary knows the primary's (MANIFEST_BUCKET) without a cross-region lookup.
 */
export function reportsBucketName(stage: string, region: string): string {
  return `${SERVICE}-reports-${stage}-${ACCOUNT}-${region}`;
}

function checkBucketName(stage: string, region: string): void {
  if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(stage)) {
    throw new PackagingError(`stage "${stage}" cannot be part of an S3 bucket name (the reports bucket): use lowercase letters, digits and dashes`);
  }
  const length = reportsBucketName(stage, region).replace(ACCOUNT, '123456789012').length;
  if (length > 63) {
    throw new PackagingError(`stage "${stage}" is too long: the reports bucket name ${reportsBucketName(stage, region)} would have ${length} characters (S3 allows 63)`);
  }
}

export function roleOf(policy: Policy, region: string, policySource: string): RegionRole {
  if (region === policy.regions.primary) return 'primary';
  if (region === policy.regions.secondary) return 'secondary';
  const archive = policy.regions.archive === region ? ` (${region} is the archive region: it holds only the archive bucket, no functions)` : '';
  throw new PackagingError(
    `region ${region} has no role in ${policySource}${archive}: package the primary (${policy.regions.primary}, the default) ` +
      `or the secondary (--region ${policy.regions.secondary}); regions.primary/regions.secondary in the policy say which is which`,
  );
}

/**
 * IAM resources + condition for the KMS key the policy names for one region role. An alias is matched
 * through `kms:ResourceAliases` (IAM cannot name a key by alias); an ARN or key id is named directly.
 */
function keyScope(policy: Policy, role: RegionRole | 'archive'): { Resource: CfnValue[]; Condition?: Statement['Condition'] } | null {
  const name = policy.kms[role];
  const region = policy.regions[role];
  if (name === undefined || region === undefined) return null;
  const aliasArn = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:(alias\/.+)$/.exec(name);
  if (name.startsWith('alias/') || aliasArn !== null) {
    const keyRegion = aliasArn?.[1] ?? region;
    const alias = aliasArn?.[2] ?? name;
    return {
      Resource: [sub(`arn:${PARTITION}:kms:${keyRegion}:${ACCOUNT}:key/*`)],
      Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [alias] } },
    };
  }
  if (name.startsWith('arn:')) return { Resource: [name] };
  return { Resource: [sub(`arn:${PARTITION}:kms:${region}:${ACCOUNT}:key/${name}`)] };
}

function mergeConditions(a: Statement['Condition'], b: Statement['Condition']): Statement['Condition'] {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const merged: Record<string, Record<string, string | readonly string[]>> = {};
  for (const source of [a, b]) {
    for (const [operator, values] of Object.entries(source)) merged[operator] = { ...merged[operator], ...values };
  }
  return merged;
}

/**
 * KMS statements for the given roles' keys: `plain` actions, plus CreateGrant only for AWS resources
 * (RDS); `via` narrows both to requests made through one AWS service (kms:ViaService).
 */
function keyStatements(policy: Policy, roles: readonly RegionRole[], plain: readonly string[], withGrant: boolean, via?: string): Statement[] {
  const statements: Statement[] = [];
  const viaService: Statement['Condition'] = via === undefined ? undefined : { StringEquals: { 'kms:ViaService': via } };
  for (const role of roles) {
    const scope = keyScope(policy, role);
    if (scope === null) continue;
    const condition = mergeConditions(scope.Condition, viaService);
    if (plain.length > 0) statements.push({ Effect: 'Allow', Action: plain, Resource: scope.Resource, ...(condition ? { Condition: condition } : {}) });
    if (withGrant) {
      statements.push({
        Effect: 'Allow',
        Action: ['kms:CreateGrant'],
        Resource: scope.Resource,
        Condition: mergeConditions(condition, { Bool: { 'kms:GrantIsForAWSResource': 'true' } }),
      });
    }
  }
  return statements;
}

/** Drops statements without resources (e.g. no databases in the policy yet): IAM refuses them. */
const nonEmpty = (statements: readonly Statement[]) => statements.filter((s) => s.Resource.length > 0 && s.Action.length > 0);

// ---- the deployment ---------------------------------------------------------------------------------

interface Context {
  readonly policy: Policy;
  readonly role: RegionRole;
  readonly region: string;
  readonly primary: string;
  readonly secondary: string;
  readonly stage: string;
  readonly ownerTag: string;
  readonly schedulerRole: CfnValue;
}

interface FunctionSpec {
  readonly roles: readonly RegionRole[];
  /** 'async': scheduled or event-driven (one retry); 'state-machine': a step, invoked synchronously. */
  readonly invokedBy: 'async' | 'state-machine';
  readonly description: string;
  readonly timeout: number;
  readonly memorySize: number;
  /** Connects to the databases: runs in the VPC of the validation network. */
  readonly inVpc?: boolean;
  readonly environment?: (ctx: Context) => Record<string, CfnValue>;
  readonly events: (ctx: Context) => FunctionEvent[];
  readonly statements: (ctx: Context) => Statement[];
}

function scheduled(ctx: Context, expression: string, description: string, input?: Record<string, unknown>): ScheduleEvent {
  return {
    schedule: {
      method: 'scheduler',
      rate: [expression],
      timezone: ctx.policy.timezone,
      roleArn: ctx.schedulerRole,
      description,
      ...(input === undefined ? {} : { input }),
    },
  };
}

function rdsSnapshotEvent(eventId: string, description: string): EventBridgeEvent {
  return {
    eventBridge: {
      description,
      pattern: {
        source: ['aws.rds'],
        'detail-type': ['RDS DB Snapshot Event'],
        detail: { EventID: [eventId], SourceIdentifier: [{ prefix: `${SNAPSHOT_PREFIX}-` }] },
      },
    },
  };
}

const ownerRequestTag = (ctx: Context) => ({ StringEquals: { [`aws:RequestTag/${ctx.ownerTag}`]: OWNER_VALUE } });
const ownerResourceTag = (ctx: Context) => ({ StringEquals: { [`aws:ResourceTag/${ctx.ownerTag}`]: OWNER_VALUE } });
const KEY_USE_FOR_COPY = ['kms:DescribeKey', 'kms:Decrypt', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];

/** Databases with a restore test (the ones the restore-test state machine and the manifests serve). */
const restoreTested = (ctx: Context) => ctx.policy.resources.databases.filter((db): db is DatabaseResource & { restoreTest: NonNullable<DatabaseResource['restoreTest']> } => db.restoreTest !== undefined);
/** Databases whose PITR test can run (restore-test-plan also needs their restoreTest settings). */
const pitrTested = (ctx: Context) =>
  restoreTested(ctx).filter((db): db is typeof db & { pitrTest: NonNullable<DatabaseResource['pitrTest']> } => db.pitrTest !== undefined);
/** This region runs PITR tests (the secondary, when a database has one). */
const runsPitr = (ctx: Context) => ctx.role === 'secondary' && pitrTested(ctx).length > 0;

/** "arn:…:secret:<name>-??????": Secrets Manager appends six random characters to a secret's name. */
function secretArn(region: string, nameOrArn: string): CfnValue {
  if (nameOrArn.startsWith('arn:')) return nameOrArn;
  return sub(`arn:${PARTITION}:secretsmanager:${region}:${ACCOUNT}:secret:${nameOrArn}-??????`);
}

const reportsObjects = (prefix: string): CfnValue => sub(`arn:${PARTITION}:s3:::\${${LOGICAL_ID.reportsBucket}}/${prefix}*`);
const primaryReportsObjects = (ctx: Context, prefix: string): CfnValue => sub(`arn:${PARTITION}:s3:::${reportsBucketName(ctx.stage, ctx.primary)}/${prefix}*`);
const serviceKeyViaS3 = (ctx: Context, actions: readonly string[]): Statement => ({
  Effect: 'Allow',
  Action: actions,
  Resource: [getAtt(LOGICAL_ID.key)],
  Condition: { StringEquals: { 'kms:ViaService': `s3.${ctx.region}.amazonaws.com` } },
});
const manifestBucketEnvironment = (ctx: Context): Record<string, CfnValue> => ({ MANIFEST_BUCKET: sub(reportsBucketName(ctx.stage, ctx.primary)) });

const SPECS: Readonly<Record<FunctionName, FunctionSpec>> = {
  'take-db-snapshot': {
    roles: ['primary'],
    invokedBy: 'async',
    description: 'Takes the scheduled manual snapshot of each RDS instance in the policy',
    timeout: 60,
    memorySize: 256,
    events: (ctx) =>
      ctx.policy.resources.databases.map((db) =>
        scheduled(ctx, db.schedule, `backup-dr: snapshot of ${db.name} (${db.instanceId})`, {
          resources: [db.name],
          scheduledTime: '<aws.scheduler.scheduled-time>',
        }),
      ),
    statements: (ctx) => {
      const instances = ctx.policy.resources.databases.map((db) => rdsArn(ctx.primary, `db:${db.instanceId}`));
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
      scheduled(ctx, ctx.policy.rds.reconcileSchedule, 'backup-dr: fallback run of the cross-region copy reconciler'),
      rdsSnapshotEvent(RDS_EVENT.manualSnapshotCreated, 'backup-dr: copy as soon as a snapshot of ours is created'),
    ],
    statements: (ctx) => [
      { Effect: 'Allow', Action: ['rds:DescribeDBSnapshots'], Resource: [allSnapshots(ctx.primary), allInstances(ctx.primary), allSnapshots(ctx.secondary), allInstances(ctx.secondary)] },
      { Effect: 'Allow', Action: ['rds:CopyDBSnapshot'], Resource: [ourSnapshots(ctx.primary), ourSnapshots(ctx.secondary)] },
      { Effect: 'Allow', Action: ['rds:AddTagsToResource'], Resource: [ourSnapshots(ctx.secondary)], Condition: ownerRequestTag(ctx) },
      ...keyStatements(ctx.policy, ['primary', 'secondary'], KEY_USE_FOR_COPY, true),
    ],
  },
  'verify-db-snapshots': {
    roles: ['secondary'],
    invokedBy: 'async',
    description: 'Verifies the cross-region copies against their sources and tags them verified',
    timeout: 120,
    memorySize: 256,
    events: (ctx) => [
      scheduled(ctx, ctx.policy.rds.reconcileSchedule, 'backup-dr: fallback run of the copy verifier'),
      rdsSnapshotEvent(RDS_EVENT.crossRegionCopyFinished, 'backup-dr: verify as soon as a cross-region copy of ours finishes'),
    ],
    statements: (ctx) => [
      { Effect: 'Allow', Action: ['rds:DescribeDBSnapshots'], Resource: [allSnapshots(ctx.primary), allInstances(ctx.primary), allSnapshots(ctx.secondary), allInstances(ctx.secondary)] },
      // Marks copies verified / failed (and clears "failed" when a stuck copy recovers): only copies
      // carrying our owner tag, and only those two tag keys — never the ownership tags.
      {
        Effect: 'Allow',
        Action: ['rds:AddTagsToResource'],
        Resource: [ourSnapshots(ctx.secondary)],
        Condition: { ...ownerResourceTag(ctx), 'ForAllValues:StringEquals': { 'aws:TagKeys': [TAG.verifiedAt, VERIFICATION_FAILED_TAG] } },
      },
      {
        Effect: 'Allow',
        Action: ['rds:RemoveTagsFromResource'],
        Resource: [ourSnapshots(ctx.secondary)],
        Condition: { ...ownerResourceTag(ctx), 'ForAllValues:StringEquals': { 'aws:TagKeys': [VERIFICATION_FAILED_TAG] } },
      },
      ...keyStatements(ctx.policy, ['secondary'], ['kms:DescribeKey'], false),
    ],
  },
  'prune-db-snapshots': {
    roles: ['primary', 'secondary'],
    invokedBy: 'async',
    description: "Deletes this region's snapshots of ours that the retention policy no longer keeps",
    timeout: 300,
    memorySize: 256,
    events: (ctx) => [scheduled(ctx, ctx.policy.rds.pruneSchedule, 'backup-dr: daily retention run')],
    statements: (ctx) => {
      // The primary reads the copies in the secondary (a source goes only once its copy is verified);
      // the secondary needs nothing from the primary.
      const regions = ctx.role === 'primary' ? [ctx.primary, ctx.secondary] : [ctx.secondary];
      return [
        { Effect: 'Allow', Action: ['rds:DescribeDBSnapshots'], Resource: regions.flatMap((r) => [allSnapshots(r), allInstances(r)]) },
        // The only snapshot delete permission in the service: our snapshot ids, in this region, carrying our owner tag.
        { Effect: 'Allow', Action: ['rds:DeleteDBSnapshot'], Resource: [ourSnapshots(ctx.region)], Condition: ownerResourceTag(ctx) },
      ];
    },
  },
  'check-db-posture': {
    roles: ['primary'],
    invokedBy: 'async',
    description: 'Daily posture check: automated backups, their replication, RPO figures, snapshot quota',
    timeout: 120,
    memorySize: 256,
    events: (ctx) => [scheduled(ctx, ctx.policy.rds.postureSchedule, 'backup-dr: daily posture check')],
    statements: (ctx) => {
      const databases = ctx.policy.resources.databases;
      const enforced = databases.filter((db) => db.automatedBackups.enforce);
      return nonEmpty([
        { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: databases.map((db) => rdsArn(ctx.primary, `db:${db.instanceId}`)) },
        { Effect: 'Allow', Action: ['rds:DescribeDBInstanceAutomatedBackups'], Resource: [rdsArn(ctx.secondary, 'auto-backup:*'), allInstances(ctx.secondary)] },
        { Effect: 'Allow', Action: ['rds:DescribeDBSnapshots'], Resource: [allSnapshots(ctx.primary), allInstances(ctx.primary), allSnapshots(ctx.secondary), allInstances(ctx.secondary)] },
        // DescribeAccountAttributes has no resource type: IAM only accepts "*" for it (read-only quotas).
        { Effect: 'Allow', Action: ['rds:DescribeAccountAttributes'], Resource: ['*'] },
        ...(enforced.length === 0
          ? []
          : [
              {
                Effect: 'Allow' as const,
                Action: ['rds:StartDBInstanceAutomatedBackupsReplication'],
                Resource: [...enforced.map((db) => rdsArn(ctx.primary, `db:${db.instanceId}`)), rdsArn(ctx.secondary, 'auto-backup:*')],
              },
              ...keyStatements(ctx.policy, ['secondary'], ['kms:DescribeKey'], true),
            ]),
      ]);
    },
  },
  'capture-db-manifest': {
    roles: ['primary'],
    invokedBy: 'async',
    description: 'Records the row counts of each restore-tested database at its snapshot time (the manifest a restore test compares with)',
    timeout: 900,
    memorySize: 512,
    inVpc: true,
    environment: manifestBucketEnvironment,
    // With each database's snapshot, for that database only (the manifest is keyed by the snapshot id).
    events: (ctx) =>
      restoreTested(ctx).map((db) =>
        scheduled(ctx, db.schedule, `backup-dr: manifest of ${db.name} (${db.instanceId}) with its snapshot`, {
          resources: [db.name],
          scheduledTime: '<aws.scheduler.scheduled-time>',
        }),
      ),
    statements: (ctx) => {
      const databases = restoreTested(ctx);
      return nonEmpty([
        { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: databases.map((db) => rdsArn(ctx.primary, `db:${db.instanceId}`)) },
        { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: unique(databases.map((db) => db.restoreTest.credentialsSecret)).map((s) => secretArn(ctx.primary, s)) },
        { Effect: 'Allow', Action: ['s3:PutObject'], Resource: [reportsObjects(REPORT_PREFIX.manifests)] },
        serviceKeyViaS3(ctx, ['kms:GenerateDataKey']),
      ]);
    },
  },
  'restore-test-plan': {
    roles: ['primary', 'secondary'],
    invokedBy: 'state-machine',
    description: 'Restore and PITR tests: checks the request, picks the snapshot or point in time, names the temporary instance',
    timeout: 60,
    memorySize: 256,
    events: () => [],
    statements: (ctx) =>
      nonEmpty([
        // Our snapshots in both regions (a primary-region test restores only sources whose copy is verified).
        { Effect: 'Allow', Action: ['rds:DescribeDBSnapshots'], Resource: [allSnapshots(ctx.primary), allInstances(ctx.primary), allSnapshots(ctx.secondary), allInstances(ctx.secondary)] },
        // PITR (the secondary's pitr-test): the restore window of the replicated automated backups.
        ...(runsPitr(ctx)
          ? [{ Effect: 'Allow' as const, Action: ['rds:DescribeDBInstanceAutomatedBackups'], Resource: [rdsArn(ctx.secondary, 'auto-backup:*'), allInstances(ctx.secondary)] }]
          : []),
      ]),
  },
  'restore-test-restore': {
    roles: ['primary', 'secondary'],
    invokedBy: 'state-machine',
    description: 'Restore and PITR tests: restores into the temporary instance (tagged as ours, private, smallest class)',
    timeout: 60,
    memorySize: 256,
    events: () => [],
    statements: (ctx) => {
      const databases = restoreTested(ctx);
      const pitr = runsPitr(ctx) ? pitrTested(ctx) : [];
      if (databases.length === 0) return [];
      // A restore without DBSubnetGroupName goes to the "default" subnet group.
      const subnetGroups = unique([...databases.map((db) => db.restoreTest.subnetGroup ?? 'default'), ...pitr.map((db) => db.pitrTest.subnetGroup ?? 'default')]);
      return [
        // RDS authorizes the restore on the new instance (bdr-* only), its source (our snapshots / the
        // replicated automated backups), the subnet group the policy names, and the option and parameter
        // groups RDS picks from the snapshot (not known before the restore). Only requests that tag the
        // new instance as ours.
        {
          Effect: 'Allow',
          Action: ['rds:RestoreDBInstanceFromDBSnapshot', ...(pitr.length > 0 ? ['rds:RestoreDBInstanceToPointInTime'] : [])],
          Resource: [
            restoreInstances(ctx.region),
            ourSnapshots(ctx.region),
            ...(pitr.length > 0 ? [rdsArn(ctx.region, 'auto-backup:*')] : []),
            ...subnetGroups.map((name) => rdsArn(ctx.region, `subgrp:${name}`)),
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
        // it for the caller. This region's key in the policy, only through RDS in this region.
        ...keyStatements(ctx.policy, [ctx.role], ['kms:DescribeKey', 'kms:Decrypt'], true, `rds.${ctx.region}.amazonaws.com`),
      ];
    },
  },
  'restore-test-status': {
    roles: ['primary', 'secondary'],
    invokedBy: 'state-machine',
    description: 'Restore and PITR tests: is the temporary instance available yet (the state machine retries)',
    timeout: 30,
    memorySize: 256,
    events: () => [],
    statements: (ctx) => [{ Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: [restoreInstances(ctx.region)] }],
  },
  'validate-restore': {
    roles: ['primary', 'secondary'],
    invokedBy: 'state-machine',
    description: 'Restore and PITR tests: connects to the restored database and runs the policy checks',
    timeout: 900,
    memorySize: 512,
    inVpc: true,
    environment: manifestBucketEnvironment,
    events: () => [],
    statements: (ctx) => {
      const databases = restoreTested(ctx);
      const live = databases.filter((db) => db.validation.rowCounts.mode === 'live');
      return nonEmpty([
        // The master credentials of the restored copy (a restore keeps the source's), in this region.
        { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: unique(databases.map((db) => db.restoreTest.credentialsSecret)).map((s) => secretArn(ctx.region, s)) },
        // The manifest captured with the snapshot, in the primary's reports bucket.
        { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [primaryReportsObjects(ctx, REPORT_PREFIX.manifests)] },
        // The primary's bucket is encrypted with the primary's service key (this deployment's own key in
        // the primary, where the alert statement already allows Decrypt).
        ...(ctx.role === 'secondary' ? keyStatements(ctx.policy, ['primary'], ['kms:Decrypt'], false, `s3.${ctx.primary}.amazonaws.com`) : []),
        // rowCounts mode "live": the live source's endpoint.
        { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: live.map((db) => rdsArn(ctx.primary, `db:${db.instanceId}`)) },
      ]);
    },
  },
  'restore-test-teardown': {
    roles: ['primary', 'secondary'],
    invokedBy: 'state-machine',
    description: "Restore and PITR tests: deletes the temporary instance (only this run's, carrying our tags)",
    timeout: 60,
    memorySize: 256,
    events: () => [],
    statements: (ctx) => [
      { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: [restoreInstances(ctx.region)] },
      // The only instance delete permission in the service: bdr-* instances, in this region, carrying
      // our owner tag. (SkipFinalSnapshot: no CreateDBSnapshot; DeleteAutomatedBackups needs no more.)
      { Effect: 'Allow', Action: ['rds:DeleteDBInstance'], Resource: [restoreInstances(ctx.region)], Condition: ownerResourceTag(ctx) },
    ],
  },
  'restore-test-record': {
    roles: ['primary', 'secondary'],
    invokedBy: 'state-machine',
    description: "Restore and PITR tests: judges the run and writes the evidence to this region's reports bucket",
    timeout: 60,
    memorySize: 256,
    events: () => [],
    statements: (ctx) => [
      { Effect: 'Allow', Action: ['s3:PutObject'], Resource: [reportsObjects(REPORT_PREFIX.evidence)] },
      serviceKeyViaS3(ctx, ['kms:GenerateDataKey']),
    ],
  },
  'restore-test-notify': {
    roles: ['primary', 'secondary'],
    invokedBy: 'state-machine',
    description: 'Restore and PITR tests: publishes a failed test to the alerts topic',
    timeout: 30,
    memorySize: 256,
    events: () => [],
    statements: () => [],
  },
};

/** What every function may do: publish alerts to the encrypted topic. */
function alertStatements(): Statement[] {
  return [
    { Effect: 'Allow', Action: ['sns:Publish'], Resource: [{ Ref: LOGICAL_ID.topic }] },
    { Effect: 'Allow', Action: ['kms:GenerateDataKey*', 'kms:Decrypt'], Resource: [getAtt(LOGICAL_ID.key)] },
  ];
}

// ---- state machines ---------------------------------------------------------------------------------

interface StateMachineSpec {
  readonly roles: readonly RegionRole[];
  readonly id: string;
  readonly file: string;
  readonly schedules: (ctx: Context) => { expression: string; input: Record<string, unknown>; description: string }[];
}

const STATE_MACHINES: Readonly<Record<StateMachineName, StateMachineSpec>> = {
  // Both regions: the primary runs the scheduled tests; the secondary can restore its copies
  // (input region "secondary") while the primary is down, and runs the tests of databases whose
  // restoreTest.region is "secondary".
  'restore-test': {
    roles: ['primary', 'secondary'],
    id: 'RestoreTestStateMachine',
    file: 'restore-test.asl.json',
    schedules: (ctx) =>
      restoreTested(ctx)
        .filter((db) => db.restoreTest.region === ctx.role)
        .map((db) => ({ expression: db.restoreTest.schedule, input: { resource: db.name }, description: `backup-dr: restore test of ${db.name}` })),
  },
  // The secondary: point-in-time restore from the replicated automated backups; works with the primary down.
  'pitr-test': {
    roles: ['secondary'],
    id: 'PitrTestStateMachine',
    file: 'pitr-test.asl.json',
    schedules: (ctx) => pitrTested(ctx).map((db) => ({ expression: db.pitrTest.schedule, input: { resource: db.name }, description: `backup-dr: PITR test of ${db.name}` })),
  },
};

const stateMachineRoleId = (spec: StateMachineSpec) => `${spec.id}Role`;
const stateMachineLogGroupId = (spec: StateMachineSpec) => `${spec.id}LogGroup`;

/**
 * The ASL file with each `{"Fn::GetAtt": ["restoreTestPlan", "Arn"]}` pointed at the Lambda's logical
 * id ("RestoreDashtestDashplanLambdaFunction"), and the function keys it references. A reference to a
 * function this region does not deploy fails packaging.
 */
function loadDefinition(name: StateMachineName, file: string, deployed: ReadonlySet<string>): { definition: Record<string, unknown>; functions: string[] } {
  const path = join(STATE_MACHINE_DIR, file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new PackagingError(`cannot read the ${name} state machine ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const functions: string[] = [];
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (node === null || typeof node !== 'object') return node;
    const entries = Object.entries(node as Record<string, unknown>);
    const [only] = entries;
    if (entries.length === 1 && only !== undefined && only[0] === 'Fn::GetAtt') {
      const [target, attribute] = only[1] as [unknown, unknown];
      if (typeof target !== 'string' || attribute !== 'Arn') throw new PackagingError(`${file}: unsupported Fn::GetAtt ${JSON.stringify(only[1])}`);
      const key = functionKeyOf(target);
      if (!deployed.has(key)) {
        throw new PackagingError(`${file} references the function "${target}" (${key}), which this region does not deploy (it deploys ${[...deployed].join(', ')})`);
      }
      functions.push(key);
      return { 'Fn::GetAtt': [lambdaLogicalId(key), 'Arn'] };
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, rewrite(v)]));
  };
  const definition = rewrite(parsed) as Record<string, unknown>;
  return { definition, functions: unique(functions) };
}

function stateMachineResources(ctx: Context, name: StateMachineName, spec: StateMachineSpec, functions: readonly string[]): Record<string, unknown> {
  return {
    // ERROR level without execution data: failures are logged with their error and cause; the inputs
    // and outputs (database endpoints, secret names, table names, row counts, assertion results) stay in
    // the execution history (90 days) and the evidence record rather than in a log group.
    [stateMachineLogGroupId(spec)]: {
      Type: 'AWS::Logs::LogGroup',
      Properties: { LogGroupName: `/aws/vendedlogs/states/${SERVICE}-${ctx.stage}-${name}`, RetentionInDays: 90 },
    },
    // The state machine's own role: it may invoke exactly its Lambdas, and deliver its logs (the log
    // delivery APIs have no resource type: IAM accepts only "*" for them).
    [stateMachineRoleId(spec)]: {
      Type: 'AWS::IAM::Role',
      Properties: {
        Description: `${SERVICE} ${ctx.stage}: the ${name} state machine invokes its steps`,
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'states.amazonaws.com' },
              Action: 'sts:AssumeRole',
              Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
            },
          ],
        },
        Policies: [
          {
            PolicyName: `${name}-steps`,
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                { Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: functions.map((fn) => getAtt(lambdaLogicalId(fn))) },
                {
                  Effect: 'Allow',
                  Action: [
                    'logs:CreateLogDelivery',
                    'logs:GetLogDelivery',
                    'logs:UpdateLogDelivery',
                    'logs:DeleteLogDelivery',
                    'logs:ListLogDeliveries',
                    'logs:PutResourcePolicy',
                    'logs:DescribeResourcePolicies',
                    'logs:DescribeLogGroups',
                  ],
                  Resource: ['*'],
                },
              ],
            },
          },
        ],
      },
    },
  };
}

/** EventBridge: a test execution that ends FAILED, TIMED_OUT or ABORTED reaches the alerts topic, even when its Notify step could not run. */
function executionFailedRule(ctx: Context, stateMachineIds: readonly string[]): Record<string, unknown> {
  return {
    [LOGICAL_ID.executionFailedRule]: {
      Type: 'AWS::Events::Rule',
      Properties: {
        Description: `${SERVICE} ${ctx.stage}: a restore or PITR test execution failed, timed out or was aborted`,
        State: 'ENABLED',
        EventPattern: {
          source: ['aws.states'],
          'detail-type': ['Step Functions Execution Status Change'],
          detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: stateMachineIds.map((id) => ({ Ref: id })) },
        },
        Targets: [
          {
            Id: 'alerts-topic',
            Arn: { Ref: LOGICAL_ID.topic },
            InputTransformer: {
              InputPathsMap: {
                status: '$.detail.status',
                execution: '$.detail.name',
                stateMachine: '$.detail.stateMachineArn',
                region: '$.region',
                time: '$.time',
              },
              InputTemplate:
                '"[backup-dr CRITICAL] <region>: execution <execution> of <stateMachine> ended <status> at <time>. ' +
                'A restore or PITR test that does not pass is a failed recovery proof. If no detailed alert from restore-test-notify ' +
                'followed, the test could not report itself: read the execution history in the Step Functions console, and check RDS in ' +
                '<region> for a leftover temporary instance (bdr-*) to delete."',
            },
          },
        ],
      },
    },
  };
}

// ---- the reports bucket -----------------------------------------------------------------------------

function reportsBucketResources(ctx: Context): Record<string, unknown> {
  const r = REPORT_RETENTION;
  return {
    // Restore-test evidence (the audit log, 5 years) and snapshot manifests. Retained on stack deletion.
    [LOGICAL_ID.reportsBucket]: {
      Type: 'AWS::S3::Bucket',
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BucketName: sub(reportsBucketName(ctx.stage, ctx.region)),
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: getAtt(LOGICAL_ID.key) }, BucketKeyEnabled: true },
          ],
        },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LifecycleConfiguration: {
          // S3's default: objects under 128 KB are not transitioned (most evidence records: they stay in
          // S3 Standard, cheaper than Glacier's per-object overhead); larger ones go to Glacier at 365 d.
          TransitionDefaultMinimumObjectSize: 'all_storage_classes_128K',
          Rules: [
            {
              Id: 'evidence-5-years',
              Status: 'Enabled',
              Prefix: REPORT_PREFIX.evidence,
              Transitions: [{ StorageClass: r.evidenceArchiveClass, TransitionInDays: r.evidenceArchiveAfterDays }],
              ExpirationInDays: r.evidenceExpireAfterDays,
              NoncurrentVersionTransitions: [{ StorageClass: r.evidenceArchiveClass, TransitionInDays: r.evidenceArchiveAfterDays }],
              NoncurrentVersionExpiration: { NoncurrentDays: r.evidenceExpireAfterDays },
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
            },
            {
              Id: 'manifests-400-days',
              Status: 'Enabled',
              Prefix: REPORT_PREFIX.manifests,
              ExpirationInDays: r.manifestsExpireAfterDays,
              NoncurrentVersionExpiration: { NoncurrentDays: r.manifestsNoncurrentExpireAfterDays },
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
            },
          ],
        },
      },
    },
    [LOGICAL_ID.reportsBucketPolicy]: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: { Ref: LOGICAL_ID.reportsBucket },
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'DenyWithoutTls',
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:*',
              Resource: [getAtt(LOGICAL_ID.reportsBucket), sub(`\${${LOGICAL_ID.reportsBucket}.Arn}/*`)],
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        },
      },
    },
  };
}

// ---- assembling -------------------------------------------------------------------------------------

const SUBNET = /^subnet-[0-9a-f]+$/;
const SECURITY_GROUP = /^sg-[0-9a-f]+$/;

function validationVpc(input: DeploymentInput, warnings: string[]): VpcConfig | undefined {
  const subnetIds = [...(input.validationNetwork?.subnetIds ?? [])];
  const securityGroupIds = [...(input.validationNetwork?.securityGroupIds ?? [])];
  if (subnetIds.length === 0 && securityGroupIds.length === 0) {
    warnings.push(
      'validate-restore and capture-db-manifest are packaged WITHOUT a VPC: they cannot reach a database in private subnets. ' +
        'Package with --param="validationSubnets=subnet-…,subnet-…" --param="validationSecurityGroups=sg-…" (subnets that can reach the ' +
        "restored instances and the source; the restored instances' security groups must admit these).",
    );
    return undefined;
  }
  if (subnetIds.length === 0 || securityGroupIds.length === 0) {
    throw new PackagingError('give both validationSubnets and validationSecurityGroups (or neither): a Lambda VPC configuration needs subnets and security groups');
  }
  const badSubnet = subnetIds.find((s) => !SUBNET.test(s));
  if (badSubnet !== undefined) throw new PackagingError(`validationSubnets: "${badSubnet}" is not a subnet id (subnet-…)`);
  const badGroup = securityGroupIds.find((s) => !SECURITY_GROUP.test(s));
  if (badGroup !== undefined) throw new PackagingError(`validationSecurityGroups: "${badGroup}" is not a security group id (sg-…)`);
  return { subnetIds, securityGroupIds };
}

export function buildDeployment(input: DeploymentInput): Deployment {
  const { policy, region } = input;
  const role = roleOf(policy, region, input.policySource);
  checkBucketName(input.stage, region);
  checkBucketName(input.stage, policy.regions.primary);
  const warnings: string[] = [];
  const ctx: Context = {
    policy,
    role,
    region,
    primary: policy.regions.primary,
    secondary: policy.regions.secondary,
    stage: input.stage,
    ownerTag: policy.tags.owner,
    schedulerRole: getAtt(LOGICAL_ID.schedulerRole),
  };
  policy.resources.databases.forEach((db, index) => {
    if (db.pitrTest !== undefined && db.restoreTest === undefined) {
      warnings.push(`resources.databases[${index}] (${db.name}) has pitrTest but no restoreTest: a PITR test needs the restoreTest settings (credentials, database); it is not scheduled`);
    }
  });
  const vpc = validationVpc(input, warnings);

  const functions: Partial<Record<FunctionName, FunctionConfig>> = {};
  for (const name of FUNCTION_NAMES) {
    const spec = SPECS[name];
    if (!spec.roles.includes(role)) continue;
    const environment = spec.environment?.(ctx);
    functions[name] = {
      handler: `functions/rds/${name}/handler.handler`,
      description: spec.description,
      timeout: spec.timeout,
      memorySize: spec.memorySize,
      ...(spec.invokedBy === 'async' ? { maximumRetryAttempts: 1 } : {}),
      events: spec.events(ctx),
      iamRoleStatements: [...spec.statements(ctx), ...alertStatements()],
      ...(environment === undefined ? {} : { environment }),
      ...(spec.inVpc === true && vpc !== undefined ? { vpc } : {}),
    };
  }

  const scheduledFunctions = Object.entries(functions)
    .filter(([, fn]) => fn.events.some((e) => 'schedule' in e))
    .map(([name]) => name);
  const resources: Record<string, unknown> = {
    // EventBridge Scheduler's own role: it may invoke exactly the functions it schedules, and nothing
    // else (the functions' roles are not assumable by the scheduler).
    [LOGICAL_ID.schedulerRole]: schedulerRole(input.stage, 'invoke-scheduled-functions', 'EventBridge Scheduler invokes the scheduled functions', {
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction'],
      Resource: scheduledFunctions.map((name) => getAtt(lambdaLogicalId(name))),
    }),
    ...reportsBucketResources(ctx),
  };

  // State machines: definitions from the ASL files, a role, a log group and schedules each.
  const deployed = new Set(Object.keys(functions));
  const stateMachines: Partial<Record<StateMachineName, StateMachineConfig>> = {};
  const scheduledMachines: string[] = [];
  for (const [name, spec] of Object.entries(STATE_MACHINES) as [StateMachineName, StateMachineSpec][]) {
    if (!spec.roles.includes(role)) continue;
    const { definition, functions: steps } = loadDefinition(name, spec.file, deployed);
    Object.assign(resources, stateMachineResources(ctx, name, spec, steps));
    const schedules = spec.schedules(ctx);
    if (schedules.length > 0) scheduledMachines.push(spec.id);
    stateMachines[name] = {
      id: spec.id,
      name: `${SERVICE}-${input.stage}-${name}`,
      definition,
      role: getAtt(stateMachineRoleId(spec)),
      loggingConfig: { level: 'ERROR', includeExecutionData: false, destinations: [getAtt(stateMachineLogGroupId(spec))] },
      tracingConfig: { enabled: false },
      events: schedules.map((s) => ({
        schedule: {
          method: 'scheduler',
          rate: s.expression,
          timezone: policy.timezone,
          role: getAtt(LOGICAL_ID.stateMachineSchedulerRole),
          description: s.description,
          input: s.input,
        },
      })),
    };
  }
  if (scheduledMachines.length > 0) {
    // The schedules of the state machines assume a role of their own, which may start exactly those.
    resources[LOGICAL_ID.stateMachineSchedulerRole] = schedulerRole(input.stage, 'start-scheduled-state-machines', 'EventBridge Scheduler starts the scheduled tests', {
      Effect: 'Allow',
      Action: ['states:StartExecution'],
      Resource: scheduledMachines.map((id) => ({ Ref: id })),
    });
  }
  const machineIds = Object.values(stateMachines).map((sm) => sm.id);
  if (machineIds.length > 0) Object.assign(resources, executionFailedRule(ctx, machineIds));

  const keyName = policy.kms[role];
  if (keyName?.startsWith('alias/') === true && !keyName.startsWith('alias/aws/')) {
    resources[LOGICAL_ID.keyAlias] = {
      Type: 'AWS::KMS::Alias',
      Properties: { AliasName: keyName, TargetKeyId: { Ref: LOGICAL_ID.key } },
    };
  }
  policy.alerts.emails.forEach((email, index) => {
    resources[`AlertsEmailSubscription${index + 1}`] = {
      Type: 'AWS::SNS::Subscription',
      Properties: { Protocol: 'email', Endpoint: email, TopicArn: { Ref: LOGICAL_ID.topic } },
    };
  });

  const outputs = {
    ReportsBucketName: { Description: 'Restore-test evidence (evidence/) and snapshot manifests (manifests/) of this region', Value: { Ref: LOGICAL_ID.reportsBucket } },
  };
  return { role, region, functions, stateMachines, resources: { Resources: resources, Outputs: outputs }, warnings };
}

/** A role EventBridge Scheduler assumes (for this account only) with one statement. */
function schedulerRole(stage: string, policyName: string, description: string, statement: { Effect: 'Allow'; Action: string[]; Resource: unknown[] }) {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description: `${SERVICE} ${stage}: ${description}`,
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ],
      },
      Policies: [{ PolicyName: policyName, PolicyDocument: { Version: '2012-10-17', Statement: [statement] } }],
    },
  };
}

/** Loads and validates the policy file (the project's own schema), then builds the deployment. */
export function deploymentFromFile(
  policyPath: string,
  policySource: string,
  region: string | undefined,
  stage: string,
  validationNetwork?: DeploymentInput['validationNetwork'],
): Deployment & { policy: Policy } {
  const policy = loadPolicyFile(policyPath);
  const deployment = buildDeployment({
    policy,
    region: region ?? policy.regions.primary,
    stage,
    policySource,
    ...(validationNetwork === undefined ? {} : { validationNetwork }),
  });
  return { ...deployment, policy };
}
