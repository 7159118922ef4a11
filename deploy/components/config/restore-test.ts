// Packaging time only: the configuration restore test — test-configuration-restore in the primary, on
// each configuration's restoreTest.schedule (weekly by default), with only what it needs: GetObject of the
// bundles in both regions' config buckets (the secondary's is the replica failover restores from) with
// ListBucket, so a missing bundle reads as NoSuchKey rather than AccessDenied; kms:Decrypt of each
// region's key through S3 there; the live parameters and secrets read as the backup reads them
// (decrypted through SSM and Secrets Manager); the evidence written to, and looked for in, the reports
// bucket; alerts (every function may publish).

import { ENV, REPORT_PREFIX, SERVICE, configBucketName } from '../../../shared/contracts.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { ACCOUNT, PARTITION, secretArn, sub, type CfnValue } from '../../core/cloudformation.js';
import { scheduled, type Context, type Contribution, type FunctionSpec } from '../../core/contribution.js';
import { keyStatements } from '../../core/kms.js';
import { reportsBucketArn, reportsObjects, serviceKeyViaS3 } from '../../platform/reports-bucket.js';

type Tested = Policy['resources']['configuration'][number] & { restoreTest: NonNullable<Policy['resources']['configuration'][number]['restoreTest']> };
const tested = (ctx: Context): Tested[] => ctx.policy.resources.configuration.filter((c): c is Tested => c.restoreTest !== undefined);
const bucketName = (ctx: Context, region: string) => configBucketName(ctx.stage, ACCOUNT, region);

const FUNCTIONS = {
  'test-configuration-restore': {
    roles: ['primary'],
    deployedWhen: (ctx) => tested(ctx).length > 0,
    invokedBy: 'async',
    description: "Configuration restore test: decrypts and checks the newest bundle in both regions' config buckets, looks for every configured name and compares with the live values (counts and names, never a value)",
    timeout: 300,
    memorySize: 256,
    environment: (ctx): Record<string, CfnValue> => ({ [ENV.configBucket]: sub(bucketName(ctx, ctx.primary)), [ENV.peerConfigBucket]: sub(bucketName(ctx, ctx.secondary)) }),
    events: (ctx) => tested(ctx).map((c) => scheduled(ctx, c.restoreTest.schedule, `${SERVICE}: configuration restore test of ${c.name}`, { resources: [c.name] })),
    statements: (ctx) => {
      const configurations = tested(ctx);
      const paths = [...new Set(configurations.flatMap((c) => c.ssmParameterPaths))];
      const secrets = [...new Set(configurations.flatMap((c) => c.secrets))];
      const regions = [ctx.primary, ctx.secondary];
      return [
        // The bundle in each region, decrypted by S3 with that region's key.
        { Effect: 'Allow' as const, Action: ['s3:GetObject'], Resource: regions.map((r) => sub(`arn:${PARTITION}:s3:::${bucketName(ctx, r)}/config/*`)) },
        { Effect: 'Allow' as const, Action: ['s3:ListBucket'], Resource: regions.map((r) => sub(`arn:${PARTITION}:s3:::${bucketName(ctx, r)}`)) },
        ...keyStatements(ctx, ['primary'], ['kms:Decrypt'], false, `s3.${ctx.primary}.amazonaws.com`),
        ...keyStatements(ctx, ['secondary'], ['kms:Decrypt'], false, `s3.${ctx.secondary}.amazonaws.com`),
        // The live values, read as back-up-configuration reads them.
        ...(paths.length === 0
          ? []
          : [{ Effect: 'Allow' as const, Action: ['ssm:GetParametersByPath'], Resource: paths.flatMap((p) => [sub(`arn:${PARTITION}:ssm:${ctx.primary}:${ACCOUNT}:parameter${p.replace(/\/$/, '')}`), sub(`arn:${PARTITION}:ssm:${ctx.primary}:${ACCOUNT}:parameter${p.replace(/\/$/, '')}/*`)]) }]),
        ...(secrets.length === 0 ? [] : [{ Effect: 'Allow' as const, Action: ['secretsmanager:GetSecretValue'], Resource: secrets.map((s) => (s.endsWith('/') ? sub(`arn:${PARTITION}:secretsmanager:${ctx.primary}:${ACCOUNT}:secret:${s}*`) : secretArn(ctx.primary, s))) }]),
        ...(secrets.some((s) => s.endsWith('/')) ? [{ Effect: 'Allow' as const, Action: ['secretsmanager:ListSecrets'], Resource: ['*' as CfnValue] }] : []),
        ...keyStatements(ctx, ['primary'], ['kms:Decrypt'], false, `ssm.${ctx.primary}.amazonaws.com`),
        ...keyStatements(ctx, ['primary'], ['kms:Decrypt'], false, `secretsmanager.${ctx.primary}.amazonaws.com`),
        // The evidence: HEAD first (a run already recorded is not repeated; ListBucket makes a missing one 404), then written.
        { Effect: 'Allow' as const, Action: ['s3:GetObject', 's3:PutObject'], Resource: [reportsObjects(REPORT_PREFIX.evidence)] },
        { Effect: 'Allow' as const, Action: ['s3:ListBucket'], Resource: [reportsBucketArn()] },
        serviceKeyViaS3(ctx, ['kms:GenerateDataKey']),
      ];
    },
  },
} satisfies Record<string, FunctionSpec>;

export type ConfigRestoreTestFunction = keyof typeof FUNCTIONS;

export const configRestoreTest = {
  component: 'config',
  name: 'config/restore-test',
  functions: FUNCTIONS,
  warnings: (ctx) =>
    ctx.policy.resources.configuration.flatMap((c, index) =>
      c.restoreTest === undefined ? [`resources.configuration[${index}] (${c.name}) has no restoreTest: its bundles are written but never read back (the policy's weekly restore test)`] : [],
    ),
} as const satisfies Contribution;
