// Packaging time only: the restore of a configuration bundle — the steps its state machine invokes (plan,
// a batch of writes, record, notify; an undo of a run by the same steps) with least-privilege IAM, and the restore-configuration state machine
// (state-machines/config/restore-configuration.asl.json), started by an operator (no schedule). In the
// primary and in the secondary: each region's machine reads the bundle from its own config bucket (the
// secondary's is the replica) and writes only its own region's parameters and secrets, so a restore into
// the secondary needs nothing of the primary.
//
// AWS facts relied on (service authorization references): GetParametersByPath, GetParameter and
// PutParameter authorize on the parameter's ARN; DescribeParameters on no resource ("*", metadata only:
// the KMS key of a SecureString, never a value); GetSecretValue, PutSecretValue and DescribeSecret on the
// secret's ARN (its name and a random 6-character suffix); a SecureString is encrypted through SSM
// (kms:Encrypt, kms:GenerateDataKey for the advanced tier) and decrypted with kms:Decrypt; Secrets Manager
// uses kms:GenerateDataKey and kms:Decrypt; reading a given version of an object needs s3:GetObjectVersion.

import { relative, resolve } from 'node:path';
import { ENV, REPORT_PREFIX, configBucketName } from '../../../shared/contracts.js';
import { CONFIG_RESTORE_DEFINITION_FILE, configRestoreDefinition } from '../../../state-machines/config/restore-configuration.js';
import { ACCOUNT, nonEmpty, PARTITION, secretArn, sub, type CfnValue, type Statement } from '../../core/cloudformation.js';
import type { Context, Contribution, FunctionSpec, StateMachineSpec } from '../../core/contribution.js';
import { keyStatements } from '../../core/kms.js';
import { reportsBucketArn, reportsObjects, serviceKeyViaS3 } from '../../platform/reports-bucket.js';

const DEFINITION_SOURCE = relative(resolve(import.meta.dirname, '..', '..', '..'), CONFIG_RESTORE_DEFINITION_FILE);

const hasConfiguration = (ctx: Context) => ctx.policy.resources.configuration.length > 0;
const paths = (ctx: Context) => [...new Set(ctx.policy.resources.configuration.flatMap((c) => c.ssmParameterPaths))];
const secrets = (ctx: Context) => [...new Set(ctx.policy.resources.configuration.flatMap((c) => c.secrets))];

/** The parameters under the configured paths, in this region. */
const parameterArns = (ctx: Context): CfnValue[] =>
  paths(ctx).flatMap((p) => [sub(`arn:${PARTITION}:ssm:${ctx.region}:${ACCOUNT}:parameter${p.replace(/\/$/, '')}`), sub(`arn:${PARTITION}:ssm:${ctx.region}:${ACCOUNT}:parameter${p.replace(/\/$/, '')}/*`)]);
/** The configured secrets in this region: a name by its ARN pattern, a prefix by a wildcard, an ARN as given. */
const secretArns = (ctx: Context): CfnValue[] => secrets(ctx).map((s) => (s.endsWith('/') ? sub(`arn:${PARTITION}:secretsmanager:${ctx.region}:${ACCOUNT}:secret:${s}*`) : secretArn(ctx.region, s)));
/** The bundles in this region's config bucket (the secondary's: the replicas). */
const bundleObjects = (ctx: Context): CfnValue => sub(`arn:${PARTITION}:s3:::${configBucketName(ctx.stage, ACCOUNT, ctx.region)}/config/*`);

/** Read a given version of a bundle, decrypted through S3 with this region's key. */
const readBundles = (ctx: Context): Statement[] => [
  { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: [bundleObjects(ctx)] },
  ...keyStatements(ctx, [ctx.role], ['kms:Decrypt'], false, `s3.${ctx.region}.amazonaws.com`),
];

/** Deployed in both regions when the policy names a configuration (without one, there is nothing to restore). */
const step = (spec: Omit<FunctionSpec, 'roles' | 'invokedBy' | 'events' | 'deployedWhen'>): FunctionSpec => ({ roles: ['primary', 'secondary'], deployedWhen: hasConfiguration, invokedBy: 'state-machine', events: () => [], ...spec });

const FUNCTIONS = {
  'config-restore-plan': step({
    description: "Configuration restore: checks the request, reads and checks the bundle version (or an undone run's evidence) and this region's live configuration, plans by name (dry run unless told otherwise)",
    timeout: 120,
    memorySize: 256,
    environment: (ctx) => ({ [ENV.configBucket]: sub(configBucketName(ctx.stage, ACCOUNT, ctx.region)) }),
    statements: (ctx) =>
      nonEmpty([
        // GetParameter and DescribeSecret: an undo checks each name is still at the version the undone run made (no value read).
        { Effect: 'Allow', Action: ['ssm:GetParametersByPath', 'ssm:GetParameter'], Resource: parameterArns(ctx) },
        { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: secretArns(ctx) },
        // ListSecrets authorizes on no resource: it lists names and metadata, never a value.
        ...(secrets(ctx).some((s) => s.endsWith('/')) ? [{ Effect: 'Allow' as const, Action: ['secretsmanager:ListSecrets'], Resource: ['*' as CfnValue] }] : []),
        // SecureString parameters and secrets under the region's customer key decrypt through their services.
        ...keyStatements(ctx, [ctx.role], ['kms:Decrypt'], false, `ssm.${ctx.region}.amazonaws.com`),
        ...keyStatements(ctx, [ctx.role], ['kms:Decrypt'], false, `secretsmanager.${ctx.region}.amazonaws.com`),
        ...readBundles(ctx),
        // An undo finds the undone run's evidence in this region's reports bucket (service key, through S3).
        { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [reportsBucketArn()], Condition: { StringLike: { 's3:prefix': [`${REPORT_PREFIX.evidence}*`] } } },
        { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [reportsObjects(REPORT_PREFIX.evidence)] },
        serviceKeyViaS3(ctx, ['kms:Decrypt']),
      ]),
  }),
  'config-restore-apply': step({
    description: "Configuration restore: writes up to 100 names of the bundle back into this region's parameters and secrets, each with the version before it recorded",
    timeout: 900,
    memorySize: 256,
    statements: (ctx) =>
      nonEmpty([
        { Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:PutParameter'], Resource: parameterArns(ctx) },
        // The KMS key a SecureString has now, to write it under the same key: metadata only, on no resource.
        ...(paths(ctx).length === 0 ? [] : [{ Effect: 'Allow' as const, Action: ['ssm:DescribeParameters'], Resource: ['*' as CfnValue] }]),
        // UpdateSecretVersionStage: an undo moves AWSCURRENT back to the version before the undone run.
        { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:UpdateSecretVersionStage'], Resource: secretArns(ctx) },
        // Read and written back under the region's customer key, through SSM and Secrets Manager only.
        ...keyStatements(ctx, [ctx.role], ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], false, `ssm.${ctx.region}.amazonaws.com`),
        ...keyStatements(ctx, [ctx.role], ['kms:Decrypt', 'kms:GenerateDataKey'], false, `secretsmanager.${ctx.region}.amazonaws.com`),
        ...readBundles(ctx),
      ]),
  }),
  'config-restore-record': step({
    description: "Configuration restore: the outcome and the evidence (versions before and after, the undo) in this region's reports bucket",
    timeout: 60,
    memorySize: 256,
    statements: (ctx) => [{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: [reportsObjects(REPORT_PREFIX.evidence)] }, serviceKeyViaS3(ctx, ['kms:GenerateDataKey'])],
  }),
  'config-restore-notify': step({
    description: 'Configuration restore: publishes a failed restore to the alerts topic',
    timeout: 30,
    memorySize: 256,
    statements: () => [],
  }),
} satisfies Record<string, FunctionSpec>;

export type ConfigRestoreFunction = keyof typeof FUNCTIONS;

const STATE_MACHINES = {
  'restore-configuration': { roles: ['primary', 'secondary'], deployedWhen: hasConfiguration, id: 'ConfigRestoreStateMachine', source: DEFINITION_SOURCE, definition: () => configRestoreDefinition(), schedules: () => [] },
} satisfies Record<string, StateMachineSpec>;

export type ConfigRestoreMachine = keyof typeof STATE_MACHINES;

export const configRestore = { component: 'config', name: 'config/restore', functions: FUNCTIONS, stateMachines: STATE_MACHINES } as const satisfies Contribution;
