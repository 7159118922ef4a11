// Packaging time only: configuration backups — the config bucket of each region (the primary's
// replicated to the secondary's: versioned, SSE-KMS with the region's key and Bucket Keys, TLS-only,
// public access blocked, retained) and back-up-configuration (primary) on each configuration's schedule
// and, with `onChange`, on every change of a parameter under its paths (Parameter Store's own events)
// or of a secret (Secrets Manager's API calls as CloudTrail delivers them to EventBridge).

import { PARAMETER_CHANGE_OPERATIONS, parameterPrefix, SECRET_CHANGE_CALLS, secretIdMatchers, type SecretChangeCall } from '../../../shared/config/changes.js';
import { ENV, OWNER_VALUE, SERVICE, configBucketName, configBundleKey, serviceKeyAlias } from '../../../shared/contracts.js';
import { ACCOUNT, getAtt, PARTITION, secretArn, sub, type CfnResource, type CfnValue, type TemplateFragment } from '../../core/cloudformation.js';
import { runningRole, scheduled, type Context, type Contribution, type EventBridgeEvent, type FunctionSpec } from '../../core/contribution.js';
import { keyStatements } from '../../core/kms.js';
import { s3ReplicationRole, tlsOnlyBucketPolicy } from '../../core/s3.js';

const BUCKET_ID = 'ConfigBucket';
const ROLE_ID = 'ConfigReplicationRole';
export const hasConfiguration = (ctx: Context) => ctx.policy.resources.configuration.length > 0;
export const bucketName = (ctx: Context, region: string) => configBucketName(ctx.stage, ACCOUNT, region);
export const bucketArn = (ctx: Context, region: string): CfnValue => sub(`arn:${PARTITION}:s3:::${bucketName(ctx, region)}`);
const objectsArn = (ctx: Context, region: string): CfnValue => sub(`arn:${PARTITION}:s3:::${bucketName(ctx, region)}/*`);
/** Every configuration's bundle key (shared/contracts.ts, configBundleKey), as an IAM resource or an `s3:prefix` pattern. */
export const BUNDLE_KEYS = configBundleKey('*');
export const bundlesArn = (ctx: Context, region: string): CfnValue => sub(`arn:${PARTITION}:s3:::${bucketName(ctx, region)}/${BUNDLE_KEYS}`);

/** The key bundles are encrypted with in a region: the policy's, else the service key, as S3 takes it. */
export function keyFor(ctx: Context, role: 'primary' | 'secondary'): CfnValue {
  const named = ctx.policy.kms[role];
  const region = ctx.policy.regions[role];
  if (named === undefined) return sub(`arn:${PARTITION}:kms:${region}:${ACCOUNT}:${serviceKeyAlias(ctx.stage)}`);
  if (named.startsWith('arn:')) return named;
  return sub(`arn:${PARTITION}:kms:${region}:${ACCOUNT}:${named.startsWith('alias/') ? named : `key/${named}`}`);
}

/**
 * The change rules, exactly what the handler backs up (shared/config/changes.ts): a Parameter Store
 * Create, Update or Delete under a watched path (as a hierarchy: "/billing" watches "/billing/…"), and a
 * successful Secrets Manager call that changes a watched secret's value — the secret named by
 * `requestParameters.secretId` (a name or an ARN) or, for CreateSecret, `requestParameters.name`.
 */
function changeEvents(ctx: Context): EventBridgeEvent[] {
  const watched = ctx.policy.resources.configuration.filter((c) => c.onChange);
  const prefixes = [...new Set(watched.flatMap((c) => c.ssmParameterPaths.map(parameterPrefix)))];
  const secrets = [...new Set(watched.flatMap((c) => c.secrets))];
  const ids = secrets.flatMap(secretIdMatchers);
  const calls = Object.keys(SECRET_CHANGE_CALLS) as SecretChangeCall[];
  const byMember = (member: 'name' | 'secretId') => calls.filter((call) => SECRET_CHANGE_CALLS[call] === member);
  return [
    ...(prefixes.length === 0
      ? []
      : [
          {
            eventBridge: {
              description: `${SERVICE}: back up the configuration when a parameter under its paths changes`,
              pattern: { source: ['aws.ssm'], 'detail-type': ['Parameter Store Change'], detail: { name: prefixes.map((prefix) => ({ prefix })), operation: [...PARAMETER_CHANGE_OPERATIONS] } },
            },
          },
        ]),
    ...(secrets.length === 0
      ? []
      : [
          {
            eventBridge: {
              description: `${SERVICE}: back up the configuration when one of its secrets changes`,
              pattern: {
                source: ['aws.secretsmanager'],
                'detail-type': ['AWS API Call via CloudTrail'],
                detail: {
                  eventSource: ['secretsmanager.amazonaws.com'],
                  // A refused or failed call changed nothing.
                  errorCode: [{ exists: false }],
                  $or: [
                    { eventName: byMember('secretId'), requestParameters: { secretId: ids } },
                    { eventName: byMember('name'), requestParameters: { name: ids } },
                  ],
                },
              },
            },
          },
        ]),
  ];
}

const FUNCTIONS = {
  'back-up-configuration': {
    roles: ['primary'],
    deployedWhen: hasConfiguration,
    invokedBy: 'async',
    description: 'Backs up the SSM parameters and secrets of each configuration as one KMS-encrypted, checksummed bundle (daily and on change; an unchanged bundle is not written again)',
    timeout: 300,
    memorySize: 256,
    environment: (ctx) => ({ [ENV.configBucket]: sub(bucketName(ctx, ctx.primary)), [ENV.configKey]: keyFor(ctx, 'primary') }),
    events: (ctx) => [
      ...ctx.policy.resources.configuration.map((c) => scheduled(ctx, c.schedule, `${SERVICE}: configuration backup of ${c.name}`, { resources: [c.name] })),
      ...changeEvents(ctx),
    ],
    statements: (ctx) => {
      const configuration = ctx.policy.resources.configuration;
      const paths = [...new Set(configuration.flatMap((c) => c.ssmParameterPaths))];
      const secrets = [...new Set(configuration.flatMap((c) => c.secrets))];
      return [
        ...(paths.length === 0
          ? []
          : [{ Effect: 'Allow' as const, Action: ['ssm:GetParametersByPath'], Resource: paths.flatMap((p) => [sub(`arn:${PARTITION}:ssm:${ctx.primary}:${ACCOUNT}:parameter${p.replace(/\/$/, '')}`), sub(`arn:${PARTITION}:ssm:${ctx.primary}:${ACCOUNT}:parameter${p.replace(/\/$/, '')}/*`)]) }]),
        ...(secrets.length === 0 ? [] : [{ Effect: 'Allow' as const, Action: ['secretsmanager:GetSecretValue'], Resource: secrets.map((s) => (s.endsWith('/') ? sub(`arn:${PARTITION}:secretsmanager:${ctx.primary}:${ACCOUNT}:secret:${s}*`) : secretArn(ctx.primary, s))) }]),
        // ListSecrets authorizes on no resource: it lists names and metadata, never a value.
        ...(secrets.some((s) => s.endsWith('/')) ? [{ Effect: 'Allow' as const, Action: ['secretsmanager:ListSecrets'], Resource: ['*' as CfnValue] }] : []),
        // SecureString parameters and secrets under customer keys decrypt through their services.
        ...keyStatements(ctx, ['primary'], ['kms:Decrypt'], false, `ssm.${ctx.primary}.amazonaws.com`),
        ...keyStatements(ctx, ['primary'], ['kms:Decrypt'], false, `secretsmanager.${ctx.primary}.amazonaws.com`),
        // HEAD for the stored checksum; the bundle written under the policy's key — only the bundle keys.
        { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [bundlesArn(ctx, ctx.primary)] },
        { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [bucketArn(ctx, ctx.primary)] },
        ...keyStatements(ctx, ['primary'], ['kms:GenerateDataKey', 'kms:Decrypt'], false, `s3.${ctx.primary}.amazonaws.com`),
      ];
    },
  },
} satisfies Record<string, FunctionSpec>;

export type ConfigBackupFunction = keyof typeof FUNCTIONS;

/**
 * The config bucket of this region. No lifecycle rule, deliberately: the versions are the history and
 * prune-configuration-bundles removes them by the configuration's retention (GFS); a noncurrent-version
 * expiration would delete by age the monthly and yearly bundles kept for years.
 */
function bucket(ctx: Context): CfnResource {
  const role = runningRole(ctx);
  return {
    Type: 'AWS::S3::Bucket',
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    Properties: {
      BucketName: sub(bucketName(ctx, ctx.region)),
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyFor(ctx, role) }, BucketKeyEnabled: true }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      Tags: [{ Key: ctx.ownerTag, Value: OWNER_VALUE }],
      ...(role !== 'primary'
        ? {}
        : {
            ReplicationConfiguration: {
              Role: getAtt(ROLE_ID),
              Rules: [
                {
                  Id: 'config-to-secondary',
                  Status: 'Enabled',
                  Priority: 1,
                  Filter: { Prefix: '' },
                  DeleteMarkerReplication: { Status: 'Disabled' },
                  SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
                  Destination: { Bucket: bucketArn(ctx, ctx.secondary), EncryptionConfiguration: { ReplicaKmsKeyID: keyFor(ctx, 'secondary') } },
                },
              ],
            },
          }),
    },
  };
}


export const configBackup = {
  component: 'config',
  name: 'config/backup',
  functions: FUNCTIONS,
  resources: (ctx): TemplateFragment =>
    !hasConfiguration(ctx)
      ? { Resources: {}, Outputs: {} }
      : {
          Resources: {
            [BUCKET_ID]: bucket(ctx),
            [`${BUCKET_ID}Policy`]: tlsOnlyBucketPolicy(BUCKET_ID),
            ...(ctx.role === 'primary'
              ? {
                  [ROLE_ID]: s3ReplicationRole({
                    description: `S3 replicates the ${ctx.stage} configuration bundles to ${ctx.secondary}`,
                    policyName: 'replicate-config',
                    sourceBuckets: [bucketArn(ctx, ctx.primary)],
                    sourceObjects: [objectsArn(ctx, ctx.primary)],
                    destinationObjects: [objectsArn(ctx, ctx.secondary)],
                    more: [
                      ...keyStatements(ctx, ['primary'], ['kms:Decrypt'], false, `s3.${ctx.primary}.amazonaws.com`),
                      ...keyStatements(ctx, ['secondary'], ['kms:Encrypt'], false, `s3.${ctx.secondary}.amazonaws.com`),
                    ],
                  }),
                }
              : {}),
          },
          Outputs: { ConfigBucketName: { Description: `Configuration bundles of this region (config/<name>/bundle.json, one version per change)`, Value: sub(bucketName(ctx, ctx.region)) } },
        },
} as const satisfies Contribution;
