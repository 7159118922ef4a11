// Packaging time only (never bundled into a Lambda): turns the validated policy and the target region
// into the parts of serverless.yml that depend on them — which functions this region's role deploys,
// their triggers (EventBridge Scheduler in the policy's time zone, RDS events), one least-privilege IAM
// statement list per function, and the policy-driven resources (Scheduler role, KMS alias, e-mail
// subscriptions). serverless.yml reads it through deploy/serverless.cjs.

import { loadPolicyFile, type RegionRole } from '../shared/policy/load.js';
import type { Policy } from '../shared/policy/schema.js';
import { SNAPSHOT_PREFIX } from '../shared/naming.js';
import { OWNER_VALUE, TAG, VERIFICATION_FAILED_TAG } from '../shared/tags.js';

export const SERVICE = 'backup-dr';

/** Logical ids of the resources serverless.yml declares and the helper refers to. */
export const LOGICAL_ID = {
  key: 'ServiceKey',
  keyAlias: 'ServiceKeyAlias',
  topic: 'AlertsTopic',
  schedulerRole: 'SchedulerInvokeRole',
} as const;

/** RDS event ids (EventBridge `detail.EventID`, detail-type "RDS DB Snapshot Event"). */
export const RDS_EVENT = {
  /** "Manual snapshot created." — in the region of the snapshot (the primary). */
  manualSnapshotCreated: 'RDS-EVENT-0042',
  /** "Finished copy of snapshot … from region …" — cross-Region copy, in the destination region. */
  crossRegionCopyFinished: 'RDS-EVENT-0060',
} as const;

export const FUNCTION_NAMES = ['take-db-snapshot', 'copy-db-snapshots', 'verify-db-snapshots', 'prune-db-snapshots', 'check-db-posture'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

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

export interface FunctionConfig {
  readonly handler: string;
  readonly description: string;
  readonly timeout: number;
  readonly memorySize: number;
  /** Async invocations (Scheduler, EventBridge): one retry, then the failure is Lambda's Errors metric. */
  readonly maximumRetryAttempts: number;
  readonly events: readonly FunctionEvent[];
  readonly iamRoleStatements: readonly Statement[];
}

export interface Deployment {
  readonly role: RegionRole;
  readonly region: string;
  readonly functions: Readonly<Partial<Record<FunctionName, FunctionConfig>>>;
  readonly resources: { readonly Resources: Readonly<Record<string, unknown>> };
}

export interface DeploymentInput {
  readonly policy: Policy;
  /** The region being packaged (`--region`, default the policy's primary). */
  readonly region: string;
  readonly stage: string;
  /** Where the policy came from, for messages. */
  readonly policySource: string;
}

/** A packaging error whose message is the whole story (no stack trace needed). */
export class PackagingError extends Error {
  override name = 'PackagingError';
}

// ---- helpers ----------------------------------------------------------------------------------------

const sub = (text: string): CfnValue => ({ 'Fn::Sub': text });
const ACCOUNT = '${AWS::AccountId}';
const PARTITION = '${AWS::Partition}';
const rdsArn = (region: string, resource: string) => sub(`arn:${PARTITION}:rds:${region}:${ACCOUNT}:${resource}`);
/** Our snapshots (primary ones and their copies share the id): the only ones we create, tag or delete. */
const ourSnapshots = (region: string) => rdsArn(region, `snapshot:${SNAPSHOT_PREFIX}-*`);
/** Every DB snapshot / DB instance of the account in one region (the Describe calls list them all). */
const allSnapshots = (region: string) => rdsArn(region, 'snapshot:*');
const allInstances = (region: string) => rdsArn(region, 'db:*');

/** osls' logical id of a function: "take-db-snapshot" → "TakeDashdbDashsnapshotLambdaFunction". */
export function lambdaLogicalId(name: string): string {
  const normalized = name.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return `${normalized.charAt(0).toUpperCase()}${normalized.slice(1)}LambdaFunction`;
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

/** KMS statements for the given roles' keys: `plain` actions, plus CreateGrant only for AWS resources (RDS). */
function keyStatements(policy: Policy, roles: readonly RegionRole[], plain: readonly string[], withGrant: boolean): Statement[] {
  const statements: Statement[] = [];
  for (const role of roles) {
    const scope = keyScope(policy, role);
    if (scope === null) continue;
    if (plain.length > 0) statements.push({ Effect: 'Allow', Action: plain, Resource: scope.Resource, ...(scope.Condition ? { Condition: scope.Condition } : {}) });
    if (withGrant) {
      statements.push({
        Effect: 'Allow',
        Action: ['kms:CreateGrant'],
        Resource: scope.Resource,
        Condition: mergeConditions(scope.Condition, { Bool: { 'kms:GrantIsForAWSResource': 'true' } }),
      });
    }
  }
  return statements;
}

/** Drops statements without resources (e.g. no databases in the policy yet): IAM refuses them. */
const nonEmpty = (statements: readonly Statement[]) => statements.filter((s) => s.Resource.length > 0);

// ---- the deployment ---------------------------------------------------------------------------------

interface Context {
  readonly policy: Policy;
  readonly role: RegionRole;
  readonly region: string;
  readonly primary: string;
  readonly secondary: string;
  readonly ownerTag: string;
  readonly schedulerRole: CfnValue;
}

interface FunctionSpec {
  readonly roles: readonly RegionRole[];
  readonly description: string;
  readonly timeout: number;
  readonly memorySize: number;
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

const SPECS: Readonly<Record<FunctionName, FunctionSpec>> = {
  'take-db-snapshot': {
    roles: ['primary'],
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
        // The only delete permission in the service: our snapshot ids, in this region, carrying our owner tag.
        { Effect: 'Allow', Action: ['rds:DeleteDBSnapshot'], Resource: [ourSnapshots(ctx.region)], Condition: ownerResourceTag(ctx) },
      ];
    },
  },
  'check-db-posture': {
    roles: ['primary'],
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
};

/** What every function may do: publish alerts to the encrypted topic. */
function alertStatements(): Statement[] {
  return [
    { Effect: 'Allow', Action: ['sns:Publish'], Resource: [{ Ref: LOGICAL_ID.topic }] },
    { Effect: 'Allow', Action: ['kms:GenerateDataKey*', 'kms:Decrypt'], Resource: [{ 'Fn::GetAtt': [LOGICAL_ID.key, 'Arn'] }] },
  ];
}

export function buildDeployment(input: DeploymentInput): Deployment {
  const { policy, region } = input;
  const role = roleOf(policy, region, input.policySource);
  const ctx: Context = {
    policy,
    role,
    region,
    primary: policy.regions.primary,
    secondary: policy.regions.secondary,
    ownerTag: policy.tags.owner,
    schedulerRole: { 'Fn::GetAtt': [LOGICAL_ID.schedulerRole, 'Arn'] },
  };

  const functions: Partial<Record<FunctionName, FunctionConfig>> = {};
  for (const name of FUNCTION_NAMES) {
    const spec = SPECS[name];
    if (!spec.roles.includes(role)) continue;
    functions[name] = {
      handler: `functions/${name}/handler.handler`,
      description: spec.description,
      timeout: spec.timeout,
      memorySize: spec.memorySize,
      maximumRetryAttempts: 1,
      events: spec.events(ctx),
      iamRoleStatements: [...spec.statements(ctx), ...alertStatements()],
    };
  }

  const scheduledFunctions = Object.entries(functions)
    .filter(([, fn]) => fn.events.some((e) => 'schedule' in e))
    .map(([name]) => name);
  const resources: Record<string, unknown> = {
    // EventBridge Scheduler's own role: it may invoke exactly the functions it schedules, and nothing
    // else (the functions' roles are not assumable by the scheduler).
    [LOGICAL_ID.schedulerRole]: {
      Type: 'AWS::IAM::Role',
      Properties: {
        Description: `${SERVICE} ${input.stage}: EventBridge Scheduler invokes the scheduled functions`,
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
        Policies: [
          {
            PolicyName: 'invoke-scheduled-functions',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Action: ['lambda:InvokeFunction'],
                  Resource: scheduledFunctions.map((name) => ({ 'Fn::GetAtt': [lambdaLogicalId(name), 'Arn'] })),
                },
              ],
            },
          },
        ],
      },
    },
  };

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

  return { role, region, functions, resources: { Resources: resources } };
}

/** Loads and validates the policy file (the project's own schema), then builds the deployment. */
export function deploymentFromFile(policyPath: string, policySource: string, region: string | undefined, stage: string): Deployment & { policy: Policy } {
  const policy = loadPolicyFile(policyPath);
  const deployment = buildDeployment({ policy, region: region ?? policy.regions.primary, stage, policySource });
  return { ...deployment, policy };
}
