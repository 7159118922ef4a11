// Infrastructure: `osls package` offline, then assertions on the generated CloudFormation and on the
// zips (what each holds, its size, which packages and SDK clients its bundle carries, that it loads).
// Packaged once per region role in beforeAll: the secondary into a temporary directory first
// (osls' `--package DIR` deletes `.serverless/`), without the validation VPC parameters (it must warn),
// then the primary into `.serverless/` (what `npm run package` produces), with them (subnets, security
// groups, and — network.egress "endpoints" — the VPC and route tables); the archive region (no function:
// its media archive buckets and key only) into another temporary directory. An invalid policy and a
// region without a role must fail packaging.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import {
  DEFAULT_PACKAGE_DIR,
  extractZip,
  handlerModule,
  lambdaEnvironment,
  loadHandler,
  packagedFunctions,
  readTemplate,
  readZip,
  runPackage,
  SERVICE_DIR,
  type CfnResource,
  type PackagedFunction,
  type PackageRun,
  type Template,
} from '../../deploy/bundles.js';
import { parsePolicyJson } from '../../shared/policy/json.js';
import { parseDeclaredSchedules } from '../../shared/schedule/declared.js';
import { loadPolicyFile } from '../../shared/policy/load.js';
import { MAX_PASSES } from '../../functions/media/media-restore-pass/media-restore-pass.js';
import { stateKey } from '../../functions/media/verify-media-replication/verify-media-replication.js';
import { configBundleKey } from '../../shared/contracts.js';
import { planMediaRestore } from '../../functions/media/media-restore-plan/plan.js';
import { mediaRestoreDefinition } from '../../state-machines/media/restore-prefix.js';
import { RESTORE_TEST_MACHINES, restoreTestDefinition } from '../../state-machines/rds/restore-test.js';
import { cacheRestoreTestDefinition } from '../../state-machines/redis/restore-test.js';
import { describeSlackPackaging, writeSlackPolicy } from '../platform/slack-package.js';

const policy = loadPolicyFile(join(SERVICE_DIR, 'backup-policy.yml'));
const PRIMARY = policy.regions.primary;
const SECONDARY = policy.regions.secondary;
const ARCHIVE = policy.regions.archive!;
const STAGE = 'dev';
/** The policy as the functions read it: JSON written by packaging (deploy/serverless.cjs), in every zip. */
const PACKAGED_POLICY = 'build/backup-policy.json';
const OWNER_CONDITION = { 'aws:ResourceTag/backup-dr:owner': 'backup-dr' };

const scratch = mkdtempSync(join(tmpdir(), 'backup-dr-infra-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const SECONDARY_DIR = join(scratch, 'secondary');
const ARCHIVE_DIR = join(scratch, 'archive');

let primary: Template;
let secondary: Template;
/** The secondary packaged again with alerts.slack (tests/platform/slack-package.ts). */
let withSlack: Template;
let archive: Template;
let archiveRun: PackageRun;
let invalidPolicyRun: PackageRun;
let noRoleRun: PackageRun;
let primaryRun: PackageRun;
let secondaryRun: PackageRun;

const VALIDATION_SUBNETS = ['subnet-0a1b2c3d4e5f60718', 'subnet-0f1e2d3c4b5a69788'];
const VALIDATION_SECURITY_GROUPS = ['sg-0123456789abcdef0'];
const VALIDATION_VPC = 'vpc-0a1b2c3d4e5f60718';
const VALIDATION_ROUTE_TABLES = ['rtb-0a1b2c3d4e5f60718', 'rtb-0f1e2d3c4b5a69788'];

beforeAll(async () => {
  // Failures first: they stop at configuration time and must leave no package behind.
  const broken = parseYaml(readFileSync(join(SERVICE_DIR, 'backup-policy.yml'), 'utf8')) as { resources: { databases: { schedule: string }[] } };
  (broken.resources.databases[0] as { schedule: string }).schedule = 'cron(0 25 * * ? *)';
  const brokenFile = join(scratch, 'broken-policy.yml');
  writeFileSync(brokenFile, stringifyYaml(broken));
  [invalidPolicyRun, noRoleRun] = await Promise.all([
    runPackage({ packageDir: join(scratch, 'invalid-policy'), env: { BACKUP_DR_POLICY: brokenFile } }),
    runPackage({ region: 'us-east-1', packageDir: join(scratch, 'no-role') }),
  ]);

  secondaryRun = await runPackage({ region: SECONDARY, packageDir: SECONDARY_DIR });
  if (secondaryRun.status !== 0) throw new Error(`packaging the secondary failed:\n${secondaryRun.output}`);
  archiveRun = await runPackage({ region: ARCHIVE, packageDir: ARCHIVE_DIR });
  if (archiveRun.status !== 0) throw new Error(`packaging the archive region failed:\n${archiveRun.output}`);
  const slackRun = await runPackage({ region: SECONDARY, packageDir: join(scratch, 'slack'), env: { BACKUP_DR_POLICY: writeSlackPolicy(scratch) } });
  if (slackRun.status !== 0) throw new Error(`packaging the secondary with alerts.slack failed:\n${slackRun.output}`);
  withSlack = readTemplate(join(scratch, 'slack'));
  primaryRun = await runPackage({
    params: [
      `validationSubnets=${VALIDATION_SUBNETS.join(',')}`,
      `validationSecurityGroups=${VALIDATION_SECURITY_GROUPS.join(',')}`,
      `validationVpc=${VALIDATION_VPC}`,
      `validationRouteTables=${VALIDATION_ROUTE_TABLES.join(',')}`,
    ],
  });
  if (primaryRun.status !== 0) throw new Error(`packaging the primary failed:\n${primaryRun.output}`);
  primary = readTemplate(DEFAULT_PACKAGE_DIR);
  secondary = readTemplate(SECONDARY_DIR);
  archive = readTemplate(ARCHIVE_DIR);
}, 900_000); // five packagings of ~60 functions each: minutes on a loaded 2-core machine

describeSlackPackaging(() => withSlack, SECONDARY, STAGE);

// ---- template helpers --------------------------------------------------------------------------------

interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Principal?: unknown;
}

const ofType = (t: Template, type: string) => Object.entries(t.Resources).filter(([, r]) => r.Type === type);
const props = (r: CfnResource | undefined) => (r?.Properties ?? {}) as Record<string, any>;
const actions = (s: PolicyStatement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resources = (s: PolicyStatement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]) as unknown[];
const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

/** Function key ("take-db-snapshot") → its AWS::Lambda::Function resource (by FunctionName). */
function lambdas(t: Template): Map<string, { logicalId: string; resource: CfnResource }> {
  const prefix = `backup-dr-${STAGE}-`;
  return new Map(
    ofType(t, 'AWS::Lambda::Function').map(([logicalId, resource]) => [String(props(resource).FunctionName).slice(prefix.length), { logicalId, resource }]),
  );
}

/** The statements of a function's own role (from serverless-iam-roles-per-function), logs included. */
function roleStatements(t: Template, fn: string): PolicyStatement[] {
  const lambda = lambdas(t).get(fn);
  if (lambda === undefined) throw new Error(`no function ${fn}`);
  const roleId = (props(lambda.resource).Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const role = t.Resources[roleId];
  expect(role?.Type).toBe('AWS::IAM::Role');
  return (props(role).Policies as { PolicyDocument: { Statement: PolicyStatement[] } }[]).flatMap((p) => p.PolicyDocument.Statement);
}

const nonLogStatements = (t: Template, fn: string) => roleStatements(t, fn).filter((s) => !actions(s).every((a) => a.startsWith('logs:')));
const actionSet = (t: Template, fn: string) => [...new Set(nonLogStatements(t, fn).flatMap(actions))].sort();
const statementsFor = (t: Template, fn: string, action: string) => roleStatements(t, fn).filter((s) => actions(s).includes(action));

const subText = (v: unknown) => (v as { 'Fn::Sub'?: string })['Fn::Sub'] ?? v;
const snapshotArn = (region: string, pattern: string) => `arn:\${AWS::Partition}:rds:${region}:\${AWS::AccountId}:snapshot:${pattern}`;
const rdsArn = (region: string, resource: string) => `arn:\${AWS::Partition}:rds:${region}:\${AWS::AccountId}:${resource}`;
const bucketName = (region: string) => `backup-dr-reports-${STAGE}-\${AWS::AccountId}-${region}`;
const configBucketName = (region: string) => `backup-dr-config-${STAGE}-\${AWS::AccountId}-${region}`;

/** The component of a function outside rds/ (handlers are functions/<component>/<name>/handler.ts). */
const COMPONENT_OF: Readonly<Record<string, string>> = {
  janitor: 'platform',
  'daily-checklist': 'platform',
  'request-approval': 'platform',
  'answer-approval': 'platform',
  'set-maintenance-mode': 'platform',
  'switch-endpoint': 'platform',
  'check-endpoint-change': 'platform',
  'check-schedules': 'platform',
  'check-failover-readiness': 'platform',
  'watch-primary-region': 'platform',
  'failover-assess': 'platform',
  'failover-progress': 'platform',
  'failover-notify': 'platform',
  'failover-report': 'platform',
  'failover-config-restore': 'config',
  'application-recovery-health': 'platform',
  'application-recovery-plan': 'platform',
  'application-recovery-progress': 'platform',
  'application-recovery-report': 'platform',
  'application-recovery-rollback': 'platform',
  'application-recovery-poll': 'platform',
  'failover-cache-seed': 'redis',
  'take-cache-snapshot': 'redis',
  'export-cache-snapshots': 'redis',
  'verify-cache-exports': 'redis',
  'prune-cache-backups': 'redis',
  'check-cache-posture': 'redis',
  'capture-cache-manifest': 'redis',
  'cache-restore-test-plan': 'redis',
  'cache-restore-test-seed': 'redis',
  'cache-restore-test-status': 'redis',
  'cache-recovery-plan': 'redis',
  'cache-recovery-seed': 'redis',
  'cache-recovery-teardown': 'redis',
  'cache-recovery-retire': 'redis',
  'cache-recovery-notify': 'redis',
  'validate-cache-restore': 'redis',
  'cache-restore-test-teardown': 'redis',
  'cache-restore-test-record': 'redis',
  'cache-restore-test-notify': 'redis',
  'media-restore-plan': 'media',
  'media-restore-pass': 'media',
  'media-restore-record': 'media',
  'media-restore-notify': 'media',
  'verify-media-replication': 'media',
  'alert-media-replication-failure': 'media',
  'check-media-posture': 'media',
  'back-up-configuration': 'config',
  'prune-configuration-bundles': 'config',
  'test-configuration-restore': 'config',
  'config-restore-plan': 'config',
  'config-restore-apply': 'config',
  'config-restore-record': 'config',
  'config-restore-notify': 'config',
};
const ALERT_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey*', 'sns:Publish'];
/** What an asynchronously invoked function needs for its on-failure destination (an encrypted queue). */
const FAILURE_QUEUE_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey', 'sqs:SendMessage'];
/** The cache export functions: they name this region's export bucket and the other region's (EXPORT_BUCKET, PEER_EXPORT_BUCKET). */
const CACHE_EXPORT_FUNCTIONS: readonly string[] = ['check-cache-posture', 'export-cache-snapshots', 'prune-cache-backups', 'verify-cache-exports'];
const ASYNC = [
  'alert-media-replication-failure', 'back-up-configuration', 'capture-cache-manifest', 'capture-db-manifest', 'check-cache-posture', 'check-db-anomalies', 'check-db-posture', 'check-failover-readiness', 'check-media-posture', 'check-schedules', 'watch-primary-region', 'copy-db-snapshots', 'daily-checklist', 'export-cache-snapshots', 'janitor',
  'prune-cache-backups', 'prune-configuration-bundles', 'prune-db-snapshots', 'replicate-db-backups', 'take-cache-snapshot', 'take-db-snapshot', 'test-configuration-restore', 'verify-cache-exports', 'verify-db-snapshots', 'verify-media-replication',
];
/** The actions each function's code calls (and IAM needs), per region role. */
function expectedActions(role: 'primary' | 'secondary', fn: string): string[] {
  const pitr = role === 'secondary';
  const byFunction: Record<string, string[]> = {
    'take-db-snapshot': ['rds:AddTagsToResource', 'rds:CreateDBSnapshot', 'rds:DescribeDBInstances'],
    'take-cache-snapshot': ['elasticache:AddTagsToResource', 'elasticache:CreateSnapshot', 'elasticache:DescribeReplicationGroups'],
    'export-cache-snapshots': [
      'elasticache:AddTagsToResource', 'elasticache:CopySnapshot', 'elasticache:DescribeSnapshots', 'elasticache:ListTagsForResource', 'elasticache:RemoveTagsFromResource',
      's3:DeleteObject', 's3:GetBucketLocation', 's3:GetObject', 's3:ListAllMyBuckets', 's3:ListBucket', 's3:PutObject',
    ],
    'verify-cache-exports': ['s3:GetObject', 's3:GetObjectTagging', 's3:GetObjectVersion', 's3:ListBucket', 's3:PutObjectTagging', 's3:PutObjectVersionTagging'],
    // No secretsmanager:GetSecretValue: the team's policy names no authSecret (tests/infra/deployment.test.ts names one).
    'capture-cache-manifest': ['elasticache:DescribeReplicationGroups', 'kms:GenerateDataKey', 's3:PutObject'],
    // The export bucket's own settings besides its exports (its policy, ownership, public access block, the primary's replication).
    'check-cache-posture': [
      ...(role === 'primary' ? ['elasticache:DescribeSnapshots'] : []), 'kms:Decrypt', 'kms:GenerateDataKey', 's3:GetBucketOwnershipControls', 's3:GetBucketPolicy', 's3:GetBucketPublicAccessBlock', 's3:GetObject', 's3:GetObjectTagging', 's3:PutObject',
      ...(role === 'primary' ? ['s3:GetReplicationConfiguration'] : []), 's3:ListBucket',
    ],
    'prune-cache-backups': [...(role === 'primary' ? ['elasticache:DeleteSnapshot'] : []), 'elasticache:DescribeSnapshots', 'elasticache:ListTagsForResource', 's3:DeleteObject', 's3:GetObjectTagging', 's3:ListBucket'],
    'copy-db-snapshots': ['kms:CreateGrant', 'kms:DescribeKey', 'kms:Encrypt', 'kms:ReEncrypt*', 'rds:AddTagsToResource', 'rds:CopyDBSnapshot', 'rds:DescribeDBSnapshots'],
    'verify-db-snapshots': ['kms:DescribeKey', 'rds:AddTagsToResource', 'rds:DescribeDBSnapshots', 'rds:RemoveTagsFromResource'],
    'prune-db-snapshots': ['rds:DeleteDBSnapshot', 'rds:DescribeDBSnapshots'],
    // ListSchedules (no resource-level permission) and its posture memory, like the other posture checks.
    'check-schedules': ['kms:Decrypt', 'kms:GenerateDataKey', 's3:GetObject', 's3:ListBucket', 's3:PutObject', 'scheduler:ListSchedules'],
    // Its memory of what it alerted: objects under posture/ in the reports bucket, the service key through S3;
    // the rotation of both regions' backup keys.
    'check-db-posture': ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey', 'kms:GetKeyRotationStatus', 'rds:DescribeAccountAttributes', 'rds:DescribeDBInstanceAutomatedBackups', 'rds:DescribeDBInstances', 'rds:DescribeDBSnapshots', 's3:GetObject', 's3:ListBucket', 's3:PutObject'],
    'capture-db-manifest': ['kms:GenerateDataKey', 'rds:AddTagsToResource', 'rds:CreateDBSnapshot', 'rds:DescribeDBInstances', 'rds:DescribeDBSnapshots', 's3:GetObject', 's3:ListBucket', 's3:PutObject', 'secretsmanager:GetSecretValue'],
    'check-db-anomalies': ['kms:GenerateDataKey', 'rds:AddTagsToResource', 'rds:DescribeDBSnapshots', 'rds:RemoveTagsFromResource', 's3:GetObject', 's3:ListBucket', 's3:PutObject'],
    'restore-test-plan': ['rds:DescribeDBSnapshots', ...(pitr ? ['rds:DescribeDBInstanceAutomatedBackups'] : [])],
    'restore-test-restore': [
      'kms:CreateGrant', 'kms:DescribeKey', 'rds:AddTagsToResource', 'rds:DescribeDBInstances', 'rds:RestoreDBInstanceFromDBSnapshot',
      ...(pitr ? ['rds:RestoreDBInstanceToPointInTime'] : []),
    ],
    'restore-test-status': ['rds:DescribeDBInstances'],
    'validate-restore': ['kms:GenerateDataKey', 's3:GetObject', 's3:ListBucket', 's3:PutObject', 'secretsmanager:GetSecretValue'],
    'restore-test-teardown': ['rds:DeleteDBInstance', 'rds:DescribeDBInstances'],
    'restore-test-record': ['kms:GenerateDataKey', 's3:PutObject'],
    'restore-test-notify': [],
    // The cache restore test: no secretsmanager:GetSecretValue, the team's policy names no authSecret (tests/infra/deployment.test.ts names one).
    'cache-restore-test-plan': [...(role === 'primary' ? ['elasticache:DescribeSnapshots'] : []), 's3:GetObject', 's3:GetObjectTagging', 's3:ListBucket'],
    'cache-restore-test-seed': ['elasticache:AddTagsToResource', 'elasticache:CreateReplicationGroup', 'elasticache:DescribeReplicationGroups', 'elasticache:ListTagsForResource', 's3:GetObject'],
    'cache-restore-test-status': ['elasticache:DescribeReplicationGroups'],
    'validate-cache-restore': ['kms:GenerateDataKey', 's3:GetObject', 's3:ListBucket', 's3:PutObject'],
    'cache-restore-test-teardown': ['elasticache:DeleteReplicationGroup', 'elasticache:DescribeReplicationGroups', 'elasticache:ListTagsForResource'],
    'cache-restore-test-record': ['kms:GenerateDataKey', 's3:PutObject'],
    'cache-restore-test-notify': [],
    // The point-in-time restore of a media prefix (primary only): the plan is pure, the pass lists both
    // buckets' versions, reads (and restores from the archive classes) versions of either, writes copies
    // and delete markers in the source only, lists every change in the reports bucket, and uses the keys
    // of both regions through S3; record writes the evidence; notify only alerts.
    'media-restore-plan': [],
    'media-restore-pass': [
      'kms:Decrypt', 'kms:GenerateDataKey', 's3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObjectVersion', 's3:GetObjectVersionTagging', 's3:ListBucketVersions', 's3:PutObject', 's3:PutObjectTagging',
      's3:RestoreObject',
    ],
    'media-restore-record': ['kms:GenerateDataKey', 's3:PutObject'],
    'media-restore-notify': [],
    // The replication check of the media buckets (primary only): lists the source, HEADs objects of the
    // source and versions of the replica, keeps its state and reports in the reports bucket (SSE-KMS,
    // through S3); the alert on S3's replication events only alerts.
    'verify-media-replication': ['kms:GenerateDataKey', 's3:GetObject', 's3:GetObjectVersion', 's3:ListBucket', 's3:PutObject'],
    'alert-media-replication-failure': [],
    // The posture of the media buckets (both regions): the seven configuration reads, and DescribeKey of the
    // expected keys; its memory of what it alerted (posture/ in the reports bucket, the service key through S3).
    'check-media-posture': [
      'kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey', 's3:GetBucketOwnershipControls', 's3:GetBucketPolicy', 's3:GetBucketPublicAccessBlock', 's3:GetBucketVersioning', 's3:GetEncryptionConfiguration',
      's3:GetLifecycleConfiguration', 's3:GetObject', 's3:GetReplicationConfiguration', 's3:ListBucket', 's3:PutObject',
    ],
    // The configuration backup (primary only): the parameters under the policy's paths and the secrets under
    // its prefix (listed: ListSecrets), decrypted through SSM and Secrets Manager; the bundle HEADed and
    // written in the primary's config bucket (SSE-KMS, through S3).
    'back-up-configuration': [
      'kms:Decrypt', 'kms:GenerateDataKey', 's3:GetObject', 's3:ListBucket', 's3:PutObject', 'secretsmanager:GetSecretValue', 'secretsmanager:ListSecrets', 'ssm:GetParametersByPath',
    ],
    // The prune of the configuration bundles (both regions, each its own config bucket): the versions of the
    // bundle keys listed, HEADed (captured-at), their tags read (legal hold), deleted by VersionId. No KMS.
    'prune-configuration-bundles': ['s3:DeleteObjectVersion', 's3:GetObjectVersion', 's3:GetObjectVersionTagging', 's3:ListBucketVersions'],
    // The configuration restore test (primary only): the bundle in both regions' config buckets (decrypted
    // through S3 there), the live values as the backup reads them, the evidence HEADed and written.
    'test-configuration-restore': [
      'kms:Decrypt', 'kms:GenerateDataKey', 's3:GetObject', 's3:ListBucket', 's3:PutObject', 'secretsmanager:GetSecretValue', 'secretsmanager:ListSecrets', 'ssm:GetParametersByPath',
    ],
    // The configuration restore (both regions, each its own): the plan reads the parameters and secrets
    // and a version of a bundle in the region's config bucket (an undo: the undone run's evidence, and each
    // name's current version); the batch (an undo: AWSCURRENT moved back) reads and writes them back (the
    // KMS key of a SecureString from DescribeParameters), through SSM and Secrets Manager with the region's
    // key; record writes the evidence; notify only alerts.
    'config-restore-plan': [
      'kms:Decrypt', 's3:GetObject', 's3:GetObjectVersion', 's3:ListBucket', 'secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:ListSecrets', 'ssm:GetParameter',
      'ssm:GetParametersByPath',
    ],
    'config-restore-apply': [
      'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 's3:GetObject', 's3:GetObjectVersion', 'secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecretVersionStage', 'ssm:DescribeParameters', 'ssm:GetParameter', 'ssm:PutParameter',
    ],
    'config-restore-record': ['kms:GenerateDataKey', 's3:PutObject'],
    'config-restore-notify': [],
    // The team's policy restore-tests a cache: the janitor also sweeps its leaked temporary groups.
    // …and what full recoveries replaced: stops, starts and prepares (ours), deletes with a final snapshot, remembers what it kept.
    janitor: [
      'elasticache:CreateSnapshot', 'elasticache:DeleteReplicationGroup', 'elasticache:DescribeReplicationGroups', 'elasticache:ListTagsForResource',
      'kms:Decrypt', 'kms:GenerateDataKey', 'rds:AddTagsToResource', 'rds:CreateDBSnapshot', 'rds:DeleteDBInstance', 'rds:DescribeDBInstances', 'rds:ModifyDBInstance', 'rds:StartDBInstance', 'rds:StopDBInstance',
      's3:GetObject', 's3:ListBucket', 's3:PutObject',
    ],
    // The daily checklist (primary only): metrics of both regions, the evidence listings of both reports buckets (no webhook secret: the team policy has no alerts.slack).
    'daily-checklist': ['cloudwatch:GetMetricData', 's3:ListBucket'],
    // What every recovery runbook shares (both regions): the approval records under approvals/ (the service key
    // through S3) and the answer sent back to the waiting execution; the maintenance-mode parameter; the
    // endpoints' parameters (the team policy names SSM parameters, no Route 53 record) and their switch records.
    'request-approval': ['kms:Decrypt', 'kms:GenerateDataKey', 's3:GetObject', 's3:ListBucket', 's3:PutObject'],
    'answer-approval': ['kms:Decrypt', 'kms:GenerateDataKey', 's3:GetObject', 's3:ListBucket', 's3:PutObject', 'states:SendTaskFailure', 'states:SendTaskSuccess'],
    'set-maintenance-mode': ['ssm:GetParameter', 'ssm:PutParameter'],
    'switch-endpoint': ['kms:Decrypt', 'kms:GenerateDataKey', 's3:GetObject', 's3:ListBucket', 's3:PutObject', 'ssm:GetParameter', 'ssm:PutParameter'],
    'check-endpoint-change': [],
    // database-recovery (primary): plan reads the window and the snapshots; restore creates bdr-rec-* instances
    // (grants on the source key); copy reads the credentials and the endpoints (pg does the rest); teardown deletes
    // only its temporary instance; retire tags and stops the replaced one.
    'database-recovery-plan': ['rds:DescribeDBInstanceAutomatedBackups', 'rds:DescribeDBInstances', 'rds:DescribeDBSnapshots'],
    'database-recovery-restore': ['kms:CreateGrant', 'kms:DescribeKey', 'rds:AddTagsToResource', 'rds:DescribeDBInstances', 'rds:RestoreDBInstanceFromDBSnapshot', 'rds:RestoreDBInstanceToPointInTime'],
    'database-recovery-copy': ['rds:DescribeDBInstances', 'secretsmanager:GetSecretValue'],
    'database-recovery-teardown': ['rds:DeleteDBInstance', 'rds:DescribeDBInstances'],
    'database-recovery-retire': ['rds:AddTagsToResource', 'rds:DescribeDBInstances', 'rds:StopDBInstance'],
    'database-recovery-notify': [],
    // redis-recovery (primary): plan reads production's group and first node, the snapshots, the exports' marks and the
    // manifest; seed creates bdr-rec-* groups (tag-on-create) from our snapshots or exports; teardown deletes only its
    // own; retire tags the replaced group (never deletes it); notify writes the run record under runs/redis-recovery/.
    'cache-recovery-plan': ['elasticache:DescribeCacheClusters', 'elasticache:DescribeReplicationGroups', 'elasticache:DescribeSnapshots', 's3:GetObject', 's3:GetObjectTagging', 's3:ListBucket'],
    'cache-recovery-seed': ['elasticache:AddTagsToResource', 'elasticache:CreateReplicationGroup', 'elasticache:DescribeReplicationGroups', 'elasticache:ListTagsForResource', 's3:GetObject'],
    'cache-recovery-teardown': ['elasticache:DeleteReplicationGroup', 'elasticache:DescribeReplicationGroups', 'elasticache:ListTagsForResource'],
    'cache-recovery-retire': ['elasticache:AddTagsToResource', 'elasticache:DescribeReplicationGroups'],
    'cache-recovery-notify': ['kms:GenerateDataKey', 's3:PutObject'],
    // Failover readiness and the primary watch (secondary): describe-only reads, their reports under readiness/.
    'check-failover-readiness': [
      'ec2:DescribeSecurityGroups', 'elasticache:DescribeCacheSubnetGroups', 'kms:DescribeKey', 'kms:GenerateDataKey', 'rds:DescribeDBInstanceAutomatedBackups', 'rds:DescribeDBSnapshots', 'rds:DescribeDBSubnetGroups',
      's3:GetObject', 's3:GetObjectTagging', 's3:ListBucket', 's3:PutObject', 'secretsmanager:DescribeSecret',
    ],
    'watch-primary-region': ['elasticache:DescribeReplicationGroups', 'kms:GenerateDataKey', 'rds:DescribeDBInstances', 's3:GetObject', 's3:ListBucket', 's3:PutObject'],
    // region-failover's steps (secondary): each records under runs/; the database steps restore (the team policy names no replica to promote) and wait; the configuration step starts restore-configuration.
    'failover-assess': ['kms:GenerateDataKey', 'rds:DescribeDBInstanceAutomatedBackups', 'rds:DescribeDBInstances', 'rds:DescribeDBSnapshots', 's3:GetObject', 's3:GetObjectTagging', 's3:ListBucket', 's3:PutObject'],
    'failover-progress': ['kms:GenerateDataKey', 's3:PutObject'],
    'failover-notify': ['s3:ListBucket'],
    'failover-report': ['kms:GenerateDataKey', 's3:PutObject'],
    'failover-cache-seed': ['elasticache:AddTagsToResource', 'elasticache:CreateReplicationGroup', 'elasticache:DescribeReplicationGroups', 'elasticache:ListTagsForResource', 's3:GetObject'],
    'failover-db-restore': ['kms:CreateGrant', 'kms:DescribeKey', 'rds:AddTagsToResource', 'rds:DescribeDBInstances', 'rds:RestoreDBInstanceFromDBSnapshot', 'rds:RestoreDBInstanceToPointInTime'],
    'failover-db-status': ['rds:DescribeDBInstances'],
    'failover-config-restore': ['states:DescribeExecution', 'states:StartExecution'],
    // application-recovery (primary): the plan reads a database time's restorable window; the SSM Automation hook of the team policy (started as its assume role, then polled); the report writes its evidence; the others only alert or GET.
    'application-recovery-plan': ['rds:DescribeDBInstanceAutomatedBackups', 'rds:DescribeDBInstances'],
    'application-recovery-progress': [],
    'application-recovery-rollback': ['iam:PassRole', 'ssm:StartAutomationExecution'],
    'application-recovery-poll': ['ssm:GetAutomationExecution'],
    'application-recovery-health': [],
    'application-recovery-report': ['kms:GenerateDataKey', 's3:PutObject'],
  };
  const own = byFunction[fn];
  if (own === undefined) throw new Error(`no expected actions for ${fn}`);
  return [...new Set([...own, ...ALERT_ACTIONS, ...(ASYNC.includes(fn) ? FAILURE_QUEUE_ACTIONS : [])])].sort();
}

/** The steps of both test state machines (state-machines/rds/restore-test.asl.json). */
const STEP_FUNCTIONS = ['restore-test-notify', 'restore-test-plan', 'restore-test-record', 'restore-test-restore', 'restore-test-status', 'restore-test-teardown', 'validate-restore'];
/** The steps of the cache restore test state machine (state-machines/redis/restore-test.asl.json), in both regions. */
const CACHE_STEP_FUNCTIONS = [
  'cache-restore-test-notify', 'cache-restore-test-plan', 'cache-restore-test-record', 'cache-restore-test-seed', 'cache-restore-test-status', 'cache-restore-test-teardown', 'validate-cache-restore',
];
/** The steps of the media-restore state machine (state-machines/media/restore-prefix.asl.json), in the primary only. */
const MEDIA_STEP_FUNCTIONS = ['media-restore-notify', 'media-restore-pass', 'media-restore-plan', 'media-restore-record'];
/** The steps of the restore-configuration state machine (state-machines/config/restore-configuration.asl.json), in both regions. */
const CONFIG_STEP_FUNCTIONS = ['config-restore-apply', 'config-restore-notify', 'config-restore-plan', 'config-restore-record'];
/** The team policy's media bucket (resources.buckets[0]) and its replica in the secondary. */
const MEDIA_SOURCE = 'app-media-prod';
const MEDIA_REPLICA = 'app-media-replica-apse1';
/** …and its archive copy in the archive region. */
const MEDIA_ARCHIVE = 'app-media-archive-apse2';

// ---- failures ------------------------------------------------------------------------------------------

describe('packaging refuses', () => {
  it('an invalid policy, naming the field', () => {
    expect(invalidPolicyRun.status).not.toBe(0);
    expect(invalidPolicyRun.output).toContain('broken-policy.yml is invalid');
    expect(invalidPolicyRun.output).toContain('resources.databases[0].schedule');
  });

  it('a region that is neither primary, secondary nor archive in the policy', () => {
    expect(noRoleRun.status).not.toBe(0);
    expect(noRoleRun.output).toContain('region us-east-1 has no role in backup-policy.yml');
    expect(noRoleRun.output).toContain(`--region ${ARCHIVE}`);
    expect(noRoleRun.output).toContain(`--region ${SECONDARY}`);
  });
});

// ---- functions per role ---------------------------------------------------------------------------------

describe.each([
  [
    'primary',
    () => primary,
    [
      'alert-media-replication-failure', 'answer-approval', 'application-recovery-health', 'application-recovery-plan', 'application-recovery-poll', 'application-recovery-progress', 'application-recovery-report',
      'application-recovery-rollback', 'back-up-configuration', 'cache-recovery-notify', 'cache-recovery-plan', 'cache-recovery-retire', 'cache-recovery-seed',
      'cache-recovery-teardown', 'cache-restore-test-notify', 'cache-restore-test-plan', 'cache-restore-test-record', 'cache-restore-test-seed',
      'cache-restore-test-status', 'cache-restore-test-teardown', 'capture-cache-manifest', 'capture-db-manifest', 'check-cache-posture', 'check-db-anomalies', 'check-db-posture',
      'check-endpoint-change', 'check-media-posture', 'check-schedules', 'config-restore-apply', 'config-restore-notify', 'config-restore-plan', 'config-restore-record', 'copy-db-snapshots',
      'daily-checklist', 'database-recovery-copy', 'database-recovery-notify', 'database-recovery-plan', 'database-recovery-restore', 'database-recovery-retire', 'database-recovery-teardown',
      'export-cache-snapshots', 'janitor', 'media-restore-notify', 'media-restore-pass', 'media-restore-plan', 'media-restore-record', 'prune-cache-backups', 'prune-configuration-bundles',
      'prune-db-snapshots', 'request-approval', 'restore-test-notify', 'restore-test-plan', 'restore-test-record', 'restore-test-restore', 'restore-test-status', 'restore-test-teardown',
      'set-maintenance-mode', 'switch-endpoint', 'take-cache-snapshot', 'take-db-snapshot', 'test-configuration-restore', 'validate-cache-restore', 'validate-restore', 'verify-cache-exports',
      'verify-media-replication',
    ],
    [
      'alert-media-replication-failure', 'back-up-configuration', 'capture-cache-manifest', 'capture-db-manifest', 'check-cache-posture', 'check-db-anomalies', 'check-db-posture',
      'check-media-posture', 'check-schedules', 'copy-db-snapshots', 'daily-checklist', 'export-cache-snapshots', 'janitor', 'prune-cache-backups', 'prune-configuration-bundles', 'prune-db-snapshots',
      'take-cache-snapshot', 'take-db-snapshot', 'test-configuration-restore', 'verify-cache-exports', 'verify-media-replication',
    ],
  ],
  [
    'secondary',
    () => secondary,
    [
      'answer-approval', 'cache-restore-test-notify', 'cache-restore-test-plan', 'cache-restore-test-record', 'cache-restore-test-seed', 'cache-restore-test-status', 'cache-restore-test-teardown',
      'check-cache-posture', 'check-endpoint-change', 'check-failover-readiness', 'check-media-posture', 'check-schedules', 'config-restore-apply', 'config-restore-notify', 'config-restore-plan',
      'config-restore-record', 'failover-assess', 'failover-cache-seed', 'failover-config-restore', 'failover-db-restore', 'failover-db-status', 'failover-notify', 'failover-progress', 'failover-report', 'janitor',
      'prune-cache-backups', 'prune-configuration-bundles', 'prune-db-snapshots', 'request-approval', 'restore-test-notify', 'restore-test-plan', 'restore-test-record', 'restore-test-restore',
      'restore-test-status', 'restore-test-teardown', 'set-maintenance-mode', 'switch-endpoint', 'validate-cache-restore', 'validate-restore', 'verify-cache-exports', 'verify-db-snapshots',
      'watch-primary-region',
    ],
    [
      'check-cache-posture', 'check-failover-readiness', 'check-media-posture', 'check-schedules', 'janitor', 'prune-cache-backups', 'prune-configuration-bundles', 'prune-db-snapshots',
      'verify-cache-exports', 'verify-db-snapshots', 'watch-primary-region',
    ],
  ],
] as const)('the %s deployment', (role, template, expected, asynchronous) => {
  it('has exactly the functions of its role', () => {
    expect([...lambdas(template()).keys()].sort()).toEqual([...expected]);
  });

  it('tells check-schedules exactly the schedules of its template, every one ENABLED and named', () => {
    const schedules = ofType(template(), 'AWS::Scheduler::Schedule').map(([, r]) => props(r));
    expect(schedules.length).toBeGreaterThan(5);
    for (const schedule of schedules) expect(schedule.State, String(schedule.Name)).toBe('ENABLED');
    const told = props(lambdas(template()).get('check-schedules')!.resource).Environment.Variables.DECLARED_SCHEDULES as string;
    const declared = parseDeclaredSchedules(told, `backup-dr-${STAGE}-`);
    expect(Object.values(declared).flat().sort()).toEqual(schedules.map((schedule) => schedule.Name as string).sort());
    expect(declared['platform']).toContain(`backup-dr-${STAGE}-check-schedules`);
  });

  it('runs them on nodejs22.x arm64 with the role, topic, policy file, service name, reports bucket and stage in the environment', () => {
    for (const [fn, { resource }] of lambdas(template())) {
      expect(props(resource).Runtime).toBe('nodejs22.x');
      expect(props(resource).Architectures).toEqual(['arm64']);
      // No MANIFEST_BUCKET: every function reads and writes the reports bucket of its own region.
      expect(props(resource).Environment.Variables, fn).toEqual({
        REGION_ROLE: role,
        ALERTS_TOPIC_ARN: { Ref: 'AlertsTopic' },
        POLICY_FILE: PACKAGED_POLICY,
        POWERTOOLS_SERVICE_NAME: 'backup-dr',
        REPORTS_BUCKET: { Ref: 'ReportsBucket' },
        BACKUP_DR_STAGE: STAGE,
        // The cache export functions also name this region's export bucket and the other region's…
        ...(CACHE_EXPORT_FUNCTIONS.includes(fn)
          ? { EXPORT_BUCKET: { Ref: 'CacheExportBucket' }, PEER_EXPORT_BUCKET: { 'Fn::Sub': `backup-dr-exports-${STAGE}-\${AWS::AccountId}-${role === 'primary' ? SECONDARY : PRIMARY}` } }
          : {}),
        // …and the cache restore test's and (primary) redis-recovery's plan this region's export bucket (by name: the policy has a restore-tested cache).
        ...(fn === 'cache-restore-test-plan' || fn === 'cache-recovery-plan' ? { EXPORT_BUCKET: { 'Fn::Sub': `backup-dr-exports-${STAGE}-\${AWS::AccountId}-${role === 'primary' ? PRIMARY : SECONDARY}` } } : {}),
        // …and the configuration backup (primary only) the primary's config bucket and the key bundles are written with (the service key: the policy names no kms.primary).
        ...(fn === 'back-up-configuration'
          ? { CONFIG_BUCKET: { 'Fn::Sub': configBucketName(PRIMARY) }, CONFIG_KEY: { 'Fn::Sub': `arn:\${AWS::Partition}:kms:${PRIMARY}:\${AWS::AccountId}:alias/backup-dr-${STAGE}` } }
          : {}),
        // …and the prune of the configuration bundles (both regions) its own region's config bucket.
        ...(fn === 'prune-configuration-bundles' ? { CONFIG_BUCKET: { 'Fn::Sub': configBucketName(role === 'primary' ? PRIMARY : SECONDARY) } } : {}),
        // …and the configuration restore test (primary only) both regions' config buckets.
        ...(fn === 'test-configuration-restore' ? { CONFIG_BUCKET: { 'Fn::Sub': configBucketName(PRIMARY) }, PEER_CONFIG_BUCKET: { 'Fn::Sub': configBucketName(SECONDARY) } } : {}),
        // …and the configuration restore's plan this region's config bucket (the secondary's: the replica).
        ...(fn === 'config-restore-plan' ? { CONFIG_BUCKET: { 'Fn::Sub': configBucketName(role === 'primary' ? PRIMARY : SECONDARY) } } : {}),
        // …and the daily checklist (primary only) the secondary's reports bucket (the evidence of the tests run there).
        ...(fn === 'daily-checklist' ? { PEER_REPORTS_BUCKET: { 'Fn::Sub': `backup-dr-reports-${STAGE}-\${AWS::AccountId}-${SECONDARY}` } } : {}),
        // …and the schedule check every schedule of its region (below: exactly the template's).
        ...(fn === 'check-schedules' ? { DECLARED_SCHEDULES: expect.any(String) } : {}),
        // …and the failover readiness check (secondary only) its region's export and config buckets (the replicas it judges),
        // failover-assess reads the secondary's exports of the caches it fails over.
        ...(fn === 'failover-assess' ? { EXPORT_BUCKET: { 'Fn::Sub': `backup-dr-exports-${STAGE}-\${AWS::AccountId}-${SECONDARY}` } } : {}),
        ...(fn === 'check-failover-readiness' ? { EXPORT_BUCKET: { 'Fn::Sub': `backup-dr-exports-${STAGE}-\${AWS::AccountId}-${SECONDARY}` }, CONFIG_BUCKET: { 'Fn::Sub': configBucketName(SECONDARY) } } : {}),
        // …the primary watch the region-failover it may propose, and failover's configuration step the restore it starts.
        ...(fn === 'watch-primary-region' ? { REGION_FAILOVER_ARN: { 'Fn::Sub': `arn:\${AWS::Partition}:states:${SECONDARY}:\${AWS::AccountId}:stateMachine:backup-dr-${STAGE}-region-failover` } } : {}),
        ...(fn === 'failover-config-restore' ? { CONFIG_RESTORE_STATE_MACHINE: { Ref: 'ConfigRestoreStateMachine' } } : {}),
      });
    }
  });

  it('retries a failed asynchronous (scheduled or event) invocation once, then records it in the failure queue, and leaves the steps of state machines to their retries', () => {
    const configs = ofType(template(), 'AWS::Lambda::EventInvokeConfig').map(([, r]) => props(r));
    const ids = lambdas(template());
    expect(configs.map((c) => JSON.stringify(c.FunctionName)).sort()).toEqual(asynchronous.map((fn) => JSON.stringify({ Ref: ids.get(fn)!.logicalId })).sort());
    for (const config of configs) {
      expect(config.MaximumRetryAttempts).toBe(1);
      expect(config.DestinationConfig).toEqual({ OnFailure: { Destination: getAtt('AsyncFailureQueue') } });
    }
  });

  it('gives each function a role of its own, and leaves no shared role behind', () => {
    const roleIds = [...lambdas(template()).values()].map(({ resource }) => (props(resource).Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]);
    expect(new Set(roleIds).size).toBe(expected.length);
    expect(template().Resources.IamRoleLambdaExecution).toBeUndefined();
    const stateMachineRoles = ['CacheRestoreTestStateMachineRole', 'ConfigRestoreStateMachineRole', ...(role === 'primary' ? ['MediaRestoreStateMachineRole', 'RestoreTestStateMachineRole', 'DatabaseRecoveryStateMachineRole', 'ApplicationRecoveryStateMachineRole', 'RedisRecoveryStateMachineRole'] : ['PitrTestStateMachineRole', 'RestoreTestStateMachineRole', 'RegionFailoverStateMachineRole'])];
    // The primary's reports bucket replicates its manifests to the secondary's, its export bucket the cache exports.
    // The primary's media bucket replicates to its replica with a role S3 assumes (media/buckets): not a function's;
    // so does its config bucket to the secondary's (config/backup).
    const replicationRoles = role === 'primary' ? ['ManifestReplicationRole', 'CacheExportReplicationRole', 'MediaReplicationRole', 'ConfigReplicationRole'] : [];
    const otherRoles = ['SchedulerInvokeRole', 'SchedulerStartExecutionRole', ...stateMachineRoles, ...replicationRoles];
    const functionRoles = ofType(template(), 'AWS::IAM::Role').filter(([id]) => !otherRoles.includes(id));
    expect(functionRoles.map(([id]) => id).sort()).toEqual([...roleIds].sort());
    expect(ofType(template(), 'AWS::IAM::Role').length).toBe(roleIds.length + otherRoles.length);
    const trustedBy = (r: CfnResource) => (props(r).AssumeRolePolicyDocument.Statement as { Principal: { Service: string | string[] } }[]).flatMap((s) => s.Principal.Service);
    for (const [, r] of functionRoles) expect(trustedBy(r)).toEqual(['lambda.amazonaws.com']);
    for (const id of replicationRoles) expect(trustedBy(template().Resources[id]!), id).toEqual(['s3.amazonaws.com']);
  });

  it('grants each function exactly the actions its code calls', () => {
    for (const fn of expected) expect(actionSet(template(), fn), fn).toEqual(expectedActions(role, fn));
  });

  it('grants no "*" actions and no NotAction, and only "*" resources where IAM has no resource type', () => {
    const allowedPatterns = new Set(['kms:ReEncrypt*', 'kms:GenerateDataKey*']);
    for (const fn of expected) {
      for (const s of roleStatements(template(), fn)) {
        expect(s).not.toHaveProperty('NotAction');
        expect(s).not.toHaveProperty('NotResource');
        for (const action of actions(s)) {
          if (action.includes('*')) expect(allowedPatterns.has(action), `${fn}: ${action}`).toBe(true);
        }
        // The actions IAM authorizes on no resource: RDS's account quotas, the names (never the values) of
        // secrets, the metadata (the KMS key of a SecureString, never a value) of parameters, metric data, and
        // the answer to a waiting task (its token is the authority), and the listing of Scheduler schedules.
        if (resources(s).includes('*')) {
          expect([['rds:DescribeAccountAttributes'], ['secretsmanager:ListSecrets'], ['ssm:DescribeParameters'], ['cloudwatch:GetMetricData'], ['states:SendTaskSuccess', 'states:SendTaskFailure'], ['scheduler:ListSchedules'], ['ec2:DescribeSecurityGroups']], `${fn}: ${actions(s).join(', ')}`).toContainEqual(actions(s));
        }
      }
    }
  });

  it('lets every function publish to the encrypted alerts topic, and nothing more on either', () => {
    for (const fn of expected) {
      expect(statementsFor(template(), fn, 'sns:Publish')).toEqual([{ Effect: 'Allow', Action: ['sns:Publish'], Resource: [{ Ref: 'AlertsTopic' }] }]);
      expect(nonLogStatements(template(), fn)).toContainEqual({ Effect: 'Allow', Action: ['kms:GenerateDataKey*', 'kms:Decrypt'], Resource: [getAtt('ServiceKey')] });
    }
  });

  it('lets KMS grants be created only for AWS resources (RDS)', () => {
    for (const fn of expected) {
      for (const s of statementsFor(template(), fn, 'kms:CreateGrant')) {
        expect(s.Condition?.Bool).toEqual({ 'kms:GrantIsForAWSResource': 'true' });
        // The policy names no keys: each region's own service key, by its stage-scoped alias.
        expect(s.Condition?.['ForAnyValue:StringEquals']).toEqual({ 'kms:ResourceAliases': [`alias/backup-dr-${STAGE}`] });
      }
    }
  });

  it('lets only prune delete snapshots and only the teardowns and the janitor delete instances: ours, in its own region, carrying our owner tag', () => {
    const region = role === 'primary' ? PRIMARY : SECONDARY;
    for (const fn of expected) {
      for (const s of roleStatements(template(), fn)) {
        const deletes = actions(s).filter((a) => /^(\*|rds:\*|rds:Delete.*)$/i.test(a));
        if (deletes.length === 0 || s.Effect !== 'Allow') continue;
        expect(['prune-db-snapshots', 'restore-test-teardown', 'janitor', 'database-recovery-teardown'], `${fn} deletes`).toContain(fn);
        expect(s.Condition).toEqual({ StringEquals: OWNER_CONDITION });
        if (fn === 'prune-db-snapshots') {
          expect(deletes).toEqual(['rds:DeleteDBSnapshot']);
          expect(resources(s).map(subText)).toEqual([snapshotArn(region, 'backup-dr-*')]);
        } else {
          // Only the temporary instances of restore and PITR tests (bdr-*; a database recovery only its own bdr-rec-*), never DeleteDBInstanceAutomatedBackup.
          expect(deletes).toEqual(['rds:DeleteDBInstance']);
          expect(resources(s).map(subText)).toEqual([rdsArn(region, fn === 'database-recovery-teardown' ? 'db:bdr-rec-*' : 'db:bdr-*')]);
        }
      }
    }
    expect(statementsFor(template(), 'prune-db-snapshots', 'rds:DeleteDBSnapshot')).toHaveLength(1);
    expect(statementsFor(template(), 'restore-test-teardown', 'rds:DeleteDBInstance')).toHaveLength(1);
    expect(statementsFor(template(), 'janitor', 'rds:DeleteDBInstance')).toHaveLength(1);
  });

  it('lets only prune-cache-backups delete cache snapshots (in the primary) and only cache-restore-test-teardown, the janitor and (primary) cache-recovery-teardown delete replication groups: ours, in its own region, carrying our owner tag', () => {
    const region = role === 'primary' ? PRIMARY : SECONDARY;
    for (const fn of expected) {
      for (const s of roleStatements(template(), fn)) {
        const deletes = actions(s).filter((a) => /^(elasticache:\*|elasticache:Delete.*)$/i.test(a));
        if (deletes.length === 0 || s.Effect !== 'Allow') continue;
        expect(['prune-cache-backups', 'cache-restore-test-teardown', 'janitor', 'cache-recovery-teardown'], `${fn} deletes`).toContain(fn);
        expect(s.Condition).toEqual({ StringEquals: OWNER_CONDITION });
        if (fn === 'prune-cache-backups') {
          expect(deletes).toEqual(['elasticache:DeleteSnapshot']);
          expect(resources(s).map(subText)).toEqual([`arn:\${AWS::Partition}:elasticache:${region}:\${AWS::AccountId}:snapshot:backup-dr-*`]);
        } else {
          // Only groups we name: the temporary groups of cache restore tests (bdr-crt-*) and, in the secondary, of failover rehearsals (bdr-rh-*), a recovery's own (bdr-rec-*; the janitor: bdr-*, also replaced groups of ours), never a policy cache's.
          expect(deletes).toEqual(['elasticache:DeleteReplicationGroup']);
          const rehearsal = role === 'secondary' && fn === 'cache-restore-test-teardown' ? [`arn:\${AWS::Partition}:elasticache:${region}:\${AWS::AccountId}:replicationgroup:bdr-rh-*`] : [];
          expect(resources(s).map(subText)).toEqual([`arn:\${AWS::Partition}:elasticache:${region}:\${AWS::AccountId}:replicationgroup:${fn === 'janitor' ? 'bdr-*' : fn === 'cache-recovery-teardown' ? 'bdr-rec-*' : 'bdr-crt-*'}`, ...rehearsal]);
        }
      }
    }
    expect(statementsFor(template(), 'prune-cache-backups', 'elasticache:DeleteSnapshot')).toHaveLength(role === 'primary' ? 1 : 0);
    expect(statementsFor(template(), 'cache-restore-test-teardown', 'elasticache:DeleteReplicationGroup')).toHaveLength(1);
    expect(statementsFor(template(), 'janitor', 'elasticache:DeleteReplicationGroup')).toHaveLength(1);
    if (role === 'primary') expect(statementsFor(template(), 'cache-recovery-teardown', 'elasticache:DeleteReplicationGroup')).toHaveLength(1);
  });

  it('has the KMS key (rotated every 90 days, retained), the encrypted topic with its TLS-only policy, and their outputs', () => {
    const t = template();
    const key = t.Resources.ServiceKey!;
    expect(key.Type).toBe('AWS::KMS::Key');
    expect(key.DeletionPolicy).toBe('Retain');
    expect(props(key)).toMatchObject({ EnableKeyRotation: true, RotationPeriodInDays: 90 });
    const keyStatements = props(key).KeyPolicy.Statement as PolicyStatement[];
    expect(keyStatements).toContainEqual(
      expect.objectContaining({ Effect: 'Allow', Principal: { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } }, Action: 'kms:*' }),
    );
    for (const service of ['sns.amazonaws.com', 'cloudwatch.amazonaws.com', 'events.amazonaws.com']) {
      expect(keyStatements).toContainEqual(expect.objectContaining({ Principal: { Service: service }, Action: ['kms:GenerateDataKey*', 'kms:Decrypt'] }));
    }
    // EventBridge: no source conditions (not supported when it publishes to an encrypted topic).
    expect(keyStatements.find((s) => JSON.stringify(s.Principal).includes('events.amazonaws.com'))).not.toHaveProperty('Condition');
    const viaRds = keyStatements.filter((s) => s.Condition?.StringEquals?.['kms:ViaService'] !== undefined);
    expect(viaRds.length).toBeGreaterThan(0);
    for (const s of viaRds) expect(s.Condition?.StringEquals?.['kms:ViaService']).toEqual({ 'Fn::Sub': 'rds.${AWS::Region}.amazonaws.com' });
    expect(viaRds.flatMap(actions)).toContain('kms:CreateGrant');
    expect(props(t.Resources.ServiceKeyAlias)).toEqual({ AliasName: `alias/backup-dr-${STAGE}`, TargetKeyId: { Ref: 'ServiceKey' } });

    expect(props(t.Resources.AlertsTopic)).toMatchObject({ TopicName: `backup-dr-alerts-${STAGE}`, KmsMasterKeyId: { Ref: 'ServiceKey' } });
    const topicPolicy = props(t.Resources.AlertsTopicPolicy);
    expect(topicPolicy.Topics).toEqual([{ Ref: 'AlertsTopic' }]);
    expect(topicPolicy.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: { Ref: 'AlertsTopic' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    expect(t.Outputs?.AlertsTopicArn?.Value).toEqual({ Ref: 'AlertsTopic' });
    expect(t.Outputs?.ServiceKeyArn?.Value).toEqual(getAtt('ServiceKey'));
    expect(t.Outputs?.RegionRole?.Value).toBe(role);
    expect(ofType(t, 'AWS::SNS::Subscription')).toEqual([]); // the policy lists no e-mails
  });

  it('gives the schedules a role of their own that may invoke exactly the scheduled functions', () => {
    const t = template();
    const all = ofType(t, 'AWS::Scheduler::Schedule').map(([, r]) => props(r));
    for (const s of all) {
      expect(s.ScheduleExpressionTimezone).toBe('Asia/Tokyo');
      expect(s.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
    }
    // Schedules of functions (GetAtt …LambdaFunction) and of state machines (Ref …StateMachine).
    const schedules = all.filter((s) => s.Target.Arn['Fn::GetAtt'] !== undefined);
    expect(schedules.length).toBeGreaterThan(0);
    for (const s of schedules) expect(s.Target.RoleArn).toEqual(getAtt('SchedulerInvokeRole'));
    for (const s of all.filter((x) => x.Target.Arn['Fn::GetAtt'] === undefined)) {
      expect(s.Target.Arn.Ref).toMatch(/StateMachine$/);
      expect(s.Target.RoleArn).toEqual(getAtt('SchedulerStartExecutionRole'));
    }
    const targets = [...new Set(schedules.map((s) => JSON.stringify(s.Target.Arn)))].map((j) => JSON.parse(j) as unknown);
    // Every asynchronous function runs on a schedule — but take-db-snapshot, whose only database is
    // restore-tested (capture-db-manifest requests that snapshot), and alert-media-replication-failure,
    // which S3 invokes — the steps of state machines on none.
    const ids = lambdas(t);
    const onSchedule = asynchronous.filter((fn) => fn !== 'take-db-snapshot' && fn !== 'alert-media-replication-failure');
    expect(targets).toEqual(expect.arrayContaining(onSchedule.map((fn) => getAtt(ids.get(fn)!.logicalId))));
    expect(targets).toHaveLength(onSchedule.length);

    const role = props(t.Resources.SchedulerInvokeRole);
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'scheduler.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } },
    ]);
    const statements = (role.Policies as { PolicyDocument: { Statement: PolicyStatement[] } }[]).flatMap((p) => p.PolicyDocument.Statement);
    // Invoking, and sending what it could not deliver to the schedule DLQ (its key only through SQS).
    expect(statements).toHaveLength(3);
    expect(statements[0]!.Action).toEqual(['lambda:InvokeFunction']);
    expect(resources(statements[0]!)).toHaveLength(targets.length);
    expect(resources(statements[0]!)).toEqual(expect.arrayContaining(targets));
    expect(statements.slice(1).map((s) => [actions(s), resources(s)])).toEqual([
      [['sqs:SendMessage'], [getAtt('ScheduleDeadLetterQueue')]],
      [['kms:GenerateDataKey', 'kms:Decrypt'], [getAtt('ServiceKey')]],
    ]);
  });
});

// ---- triggers -------------------------------------------------------------------------------------------

function schedulesOf(t: Template, fn: string) {
  const id = lambdas(t).get(fn)!.logicalId;
  return ofType(t, 'AWS::Scheduler::Schedule')
    .map(([, r]) => props(r))
    .filter((s) => JSON.stringify(s.Target.Arn) === JSON.stringify(getAtt(id)));
}

function rdsRulesOf(t: Template, fn: string) {
  const id = lambdas(t).get(fn)!.logicalId;
  return ofType(t, 'AWS::Events::Rule')
    .map(([, r]) => props(r))
    .filter((rule) => (rule.Targets as { Arn: unknown }[]).some((target) => JSON.stringify(target.Arn) === JSON.stringify(getAtt(id))));
}

describe('triggers (EventBridge Scheduler in the policy time zone, RDS events)', () => {
  it('take-db-snapshot: no schedule for a restore-tested database (capture-db-manifest requests its snapshot between the manifests)', () => {
    expect(policy.resources.databases.every((db) => db.restoreTest !== undefined)).toBe(true);
    expect(schedulesOf(primary, 'take-db-snapshot')).toEqual([]);
  });

  it('copy-db-snapshots: the reconcile schedule and "manual snapshot created" (RDS-EVENT-0042) for our snapshots', () => {
    expect(schedulesOf(primary, 'copy-db-snapshots').map((s) => s.ScheduleExpression)).toEqual([policy.rds.reconcileSchedule]);
    const rules = rdsRulesOf(primary, 'copy-db-snapshots');
    expect(rules).toHaveLength(1);
    expect(rules[0]!.EventPattern).toEqual({
      source: ['aws.rds'],
      'detail-type': ['RDS DB Snapshot Event'],
      detail: { EventID: ['RDS-EVENT-0042'], SourceIdentifier: [{ prefix: 'backup-dr-' }] },
    });
  });

  it('verify-db-snapshots: the reconcile schedule and "cross-region copy finished" (RDS-EVENT-0060)', () => {
    expect(schedulesOf(secondary, 'verify-db-snapshots').map((s) => s.ScheduleExpression)).toEqual([policy.rds.reconcileSchedule]);
    const rules = rdsRulesOf(secondary, 'verify-db-snapshots');
    expect(rules).toHaveLength(1);
    expect(rules[0]!.EventPattern).toMatchObject({ source: ['aws.rds'], 'detail-type': ['RDS DB Snapshot Event'], detail: { EventID: ['RDS-EVENT-0060'] } });
  });

  it('capture-db-manifest: at each restore-tested database\'s snapshot time (before, then the snapshot), after "manual snapshot created", and the reconcile fallback', () => {
    const schedules = schedulesOf(primary, 'capture-db-manifest');
    expect(schedules.map((s) => [s.ScheduleExpression, s.ScheduleExpressionTimezone, JSON.parse(String(s.Target.Input))])).toEqual([
      ['cron(0 2 * * ? *)', 'Asia/Tokyo', { resources: ['app-db'], scheduledTime: '<aws.scheduler.scheduled-time>' }],
      [policy.rds.reconcileSchedule, 'Asia/Tokyo', { reconcile: true }],
    ]);
    const rules = rdsRulesOf(primary, 'capture-db-manifest');
    expect(rules.map((r) => r.EventPattern)).toEqual([{ source: ['aws.rds'], 'detail-type': ['RDS DB Snapshot Event'], detail: { EventID: ['RDS-EVENT-0042'], SourceIdentifier: [{ prefix: 'backup-dr-' }] } }]);
  });

  it('take-cache-snapshot (primary only): every 6 hours in Asia/Tokyo, one schedule per cache, with its name and the scheduled time', () => {
    const schedules = schedulesOf(primary, 'take-cache-snapshot');
    expect(schedules.map((s) => [s.ScheduleExpression, s.ScheduleExpressionTimezone, JSON.parse(String(s.Target.Input))])).toEqual([
      ['cron(0 */6 * * ? *)', 'Asia/Tokyo', { resources: ['app-redis'], scheduledTime: '<aws.scheduler.scheduled-time>' }],
    ]);
    expect(lambdas(secondary).has('take-cache-snapshot')).toBe(false);
  });

  it('janitor (both regions): hourly, in Asia/Tokyo', () => {
    for (const t of [primary, secondary]) {
      expect(schedulesOf(t, 'janitor').map((s) => [s.ScheduleExpression, s.ScheduleExpressionTimezone])).toEqual([['rate(1 hour)', 'Asia/Tokyo']]);
    }
  });

  it('prune-db-snapshots (both regions) and check-db-posture: their daily schedules', () => {
    expect(schedulesOf(primary, 'prune-db-snapshots').map((s) => s.ScheduleExpression)).toEqual([policy.rds.pruneSchedule]);
    expect(schedulesOf(secondary, 'prune-db-snapshots').map((s) => s.ScheduleExpression)).toEqual([policy.rds.pruneSchedule]);
    expect(schedulesOf(primary, 'check-db-posture').map((s) => s.ScheduleExpression)).toEqual([policy.rds.postureSchedule]);
  });

  it('verify-media-replication (primary only): daily at rds.postureSchedule in Asia/Tokyo, with no input; the replication-event alert on no schedule or rule', () => {
    const schedules = schedulesOf(primary, 'verify-media-replication');
    expect(schedules.map((s) => [s.ScheduleExpression, s.ScheduleExpressionTimezone, s.Target.Input, s.Target.RoleArn])).toEqual([
      [policy.rds.postureSchedule, 'Asia/Tokyo', undefined, getAtt('SchedulerInvokeRole')],
    ]);
    expect(rdsRulesOf(primary, 'verify-media-replication')).toEqual([]);
    expect(schedulesOf(primary, 'alert-media-replication-failure')).toEqual([]);
    expect(lambdas(secondary).has('verify-media-replication')).toBe(false);
  });

  it('back-up-configuration (primary only): each configuration at its schedule in Asia/Tokyo with its name; on a parameter change under its paths and on a secret change (CloudTrail), each rule retried for an hour, then dead-lettered', () => {
    const schedules = schedulesOf(primary, 'back-up-configuration');
    expect(schedules.map((s) => [s.ScheduleExpression, s.ScheduleExpressionTimezone, JSON.parse(String(s.Target.Input)), s.Target.RoleArn])).toEqual([
      ['cron(0 3 * * ? *)', 'Asia/Tokyo', { resources: ['app-config'] }, getAtt('SchedulerInvokeRole')],
    ]);
    const rules = rdsRulesOf(primary, 'back-up-configuration');
    expect(rules.map((r) => r.EventPattern)).toEqual([
      { source: ['aws.ssm'], 'detail-type': ['Parameter Store Change'], detail: { name: [{ prefix: '/app/prod/' }], operation: ['Create', 'Update', 'Delete'] } },
      {
        source: ['aws.secretsmanager'],
        'detail-type': ['AWS API Call via CloudTrail'],
        detail: {
          eventSource: ['secretsmanager.amazonaws.com'],
          errorCode: [{ exists: false }],
          $or: [
            {
              eventName: ['PutSecretValue', 'UpdateSecret', 'RotateSecret', 'RestoreSecret', 'UpdateSecretVersionStage'],
              requestParameters: { secretId: [{ prefix: 'app/prod/' }, { wildcard: 'arn:*:secretsmanager:*:*:secret:app/prod/*' }] },
            },
            { eventName: ['CreateSecret'], requestParameters: { name: [{ prefix: 'app/prod/' }, { wildcard: 'arn:*:secretsmanager:*:*:secret:app/prod/*' }] } },
          ],
        },
      },
    ]);
    for (const rule of rules) {
      expect(rule.State).toBe('ENABLED');
      expect(rule.Targets).toEqual([
        expect.objectContaining({
          Arn: getAtt(lambdas(primary).get('back-up-configuration')!.logicalId),
          DeadLetterConfig: { Arn: getAtt('RuleDeadLetterQueue') },
          RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
        }),
      ]);
      // No input transformer: the function tells a change event (it has a source) from a schedule (it names its configurations).
      expect(rule.Targets[0].Input ?? rule.Targets[0].InputTransformer).toBeUndefined();
    }
    // EventBridge may invoke it for exactly those rules.
    const permissions = ofType(primary, 'AWS::Lambda::Permission').filter(
      ([, r]) => props(r).Principal === 'events.amazonaws.com' && JSON.stringify(props(r).FunctionName) === JSON.stringify(getAtt(lambdas(primary).get('back-up-configuration')!.logicalId)),
    );
    expect(permissions).toHaveLength(rules.length);
    for (const rule of rules) expect(permissions.filter(([, r]) => JSON.stringify(props(r).SourceArn).includes(`"${String(rule.Name)}"`)), String(rule.Name)).toHaveLength(1);
    expect(lambdas(secondary).has('back-up-configuration')).toBe(false);
  });
});

// ---- IAM details per function --------------------------------------------------------------------------

describe('IAM scoped to what each function touches', () => {
  it('take-db-snapshot snapshots the policy instances into backup-dr-* ids, tagging only with our owner tag', () => {
    const instance = `arn:\${AWS::Partition}:rds:${PRIMARY}:\${AWS::AccountId}:db:app-db-prod`;
    const [create] = statementsFor(primary, 'take-db-snapshot', 'rds:CreateDBSnapshot');
    expect(resources(create!).map(subText)).toEqual([instance, snapshotArn(PRIMARY, 'backup-dr-*')]);
    const [describeInstances] = statementsFor(primary, 'take-db-snapshot', 'rds:DescribeDBInstances');
    expect(resources(describeInstances!).map(subText)).toEqual([instance]);
    const [tag] = statementsFor(primary, 'take-db-snapshot', 'rds:AddTagsToResource');
    expect(tag!.Condition).toEqual({ StringEquals: { 'aws:RequestTag/backup-dr:owner': 'backup-dr' } });
    expect(resources(tag!).map(subText)).toEqual([snapshotArn(PRIMARY, 'backup-dr-*')]);
  });

  it('take-cache-snapshot snapshots only the policy replication groups and their nodes into backup-dr-* names, tagging only with our owner tag', () => {
    const cacheArn = (resource: string) => `arn:\${AWS::Partition}:elasticache:${PRIMARY}:\${AWS::AccountId}:${resource}`;
    const [describe] = statementsFor(primary, 'take-cache-snapshot', 'elasticache:DescribeReplicationGroups');
    expect(resources(describe!).map(subText)).toEqual([cacheArn('replicationgroup:app-redis-prod')]);
    const [create] = statementsFor(primary, 'take-cache-snapshot', 'elasticache:CreateSnapshot');
    expect(resources(create!).map(subText)).toEqual([cacheArn('replicationgroup:app-redis-prod'), cacheArn('cluster:app-redis-prod-*'), cacheArn('snapshot:backup-dr-*')]);
    const [tag] = statementsFor(primary, 'take-cache-snapshot', 'elasticache:AddTagsToResource');
    expect(tag!.Condition).toEqual({ StringEquals: { 'aws:RequestTag/backup-dr:owner': 'backup-dr' } });
    expect(resources(tag!).map(subText)).toEqual([cacheArn('snapshot:backup-dr-*')]);
  });

  it('export-cache-snapshots exports only our snapshots, tags them only with the export marks, and writes only our objects', () => {
    const [copy] = statementsFor(primary, 'export-cache-snapshots', 'elasticache:CopySnapshot');
    expect(resources(copy!).map(subText)).toEqual([`arn:\${AWS::Partition}:elasticache:${PRIMARY}:\${AWS::AccountId}:snapshot:backup-dr-*`]);
    const [tag] = statementsFor(primary, 'export-cache-snapshots', 'elasticache:AddTagsToResource');
    expect(actions(tag!)).toEqual(['elasticache:AddTagsToResource', 'elasticache:RemoveTagsFromResource']);
    expect(tag!.Condition).toEqual({
      StringEquals: { 'aws:ResourceTag/backup-dr:owner': 'backup-dr' },
      'ForAllValues:StringEquals': { 'aws:TagKeys': ['backup-dr:export-requested-at', 'backup-dr:exported-at', 'backup-dr:export-failed'] },
    });
    const [put] = statementsFor(primary, 'export-cache-snapshots', 's3:PutObject');
    expect(resources(put!).map(subText)).toEqual(['${CacheExportBucket.Arn}/backup-dr-*']);
  });

  it('verify-cache-exports reads and tags only our objects in its own bucket, and only reads the other region\'s', () => {
    for (const [t, other] of [[primary, SECONDARY], [secondary, PRIMARY]] as const) {
      const tagging = statementsFor(t, 'verify-cache-exports', 's3:PutObjectTagging');
      expect(tagging.flatMap((st) => resources(st).map(subText))).toEqual(['${CacheExportBucket.Arn}/backup-dr-*']);
      const reads = statementsFor(t, 'verify-cache-exports', 's3:GetObject').flatMap((st) => resources(st).map(subText));
      expect(reads).toEqual(['${CacheExportBucket.Arn}/backup-dr-*', `arn:\${AWS::Partition}:s3:::backup-dr-exports-${STAGE}-\${AWS::AccountId}-${other}/backup-dr-*`]);
    }
  });

  it('prune-cache-backups deletes only our snapshots carrying our owner tag, in the primary only, and only our objects in its own bucket', () => {
    const [del] = statementsFor(primary, 'prune-cache-backups', 'elasticache:DeleteSnapshot');
    expect(resources(del!).map(subText)).toEqual([`arn:\${AWS::Partition}:elasticache:${PRIMARY}:\${AWS::AccountId}:snapshot:backup-dr-*`]);
    expect(del!.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/backup-dr:owner': 'backup-dr' } });
    expect(statementsFor(secondary, 'prune-cache-backups', 'elasticache:DeleteSnapshot')).toEqual([]);
    for (const t of [primary, secondary]) {
      const deletes = statementsFor(t, 'prune-cache-backups', 's3:DeleteObject').flatMap((st) => resources(st).map(subText));
      expect(deletes).toEqual(['${CacheExportBucket.Arn}/backup-dr-*']);
    }
  });

  it('copy-db-snapshots copies backup-dr-* snapshots and tags only the copies in the secondary region', () => {
    const [copy] = statementsFor(primary, 'copy-db-snapshots', 'rds:CopyDBSnapshot');
    expect(resources(copy!).map(subText)).toEqual([snapshotArn(PRIMARY, 'backup-dr-*'), snapshotArn(SECONDARY, 'backup-dr-*')]);
    const [tag] = statementsFor(primary, 'copy-db-snapshots', 'rds:AddTagsToResource');
    expect(resources(tag!).map(subText)).toEqual([snapshotArn(SECONDARY, 'backup-dr-*')]);
    expect(tag!.Condition).toEqual({ StringEquals: { 'aws:RequestTag/backup-dr:owner': 'backup-dr' } });
    const kmsRegions = statementsFor(primary, 'copy-db-snapshots', 'kms:Encrypt').flatMap((s) => resources(s).map(subText));
    expect(kmsRegions).toEqual([`arn:\${AWS::Partition}:kms:${PRIMARY}:\${AWS::AccountId}:key/*`, `arn:\${AWS::Partition}:kms:${SECONDARY}:\${AWS::AccountId}:key/*`]);
    for (const s of statementsFor(primary, 'copy-db-snapshots', 'kms:Encrypt')) {
      expect(s.Condition).toEqual({ 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [`alias/backup-dr-${STAGE}`] } });
    }
  });

  it('verify-db-snapshots sets and clears only its verdict tags, only on copies carrying our owner tag', () => {
    const [tag] = statementsFor(secondary, 'verify-db-snapshots', 'rds:AddTagsToResource');
    expect(tag!.Condition).toEqual({
      StringEquals: OWNER_CONDITION,
      'ForAllValues:StringEquals': { 'aws:TagKeys': ['backup-dr:verified-at', 'backup-dr:verification-failed', 'backup-dr:copy-progress'] },
    });
    expect(resources(tag!).map(subText)).toEqual([snapshotArn(SECONDARY, 'backup-dr-*')]);
    const [untag] = statementsFor(secondary, 'verify-db-snapshots', 'rds:RemoveTagsFromResource');
    expect(untag!.Condition).toEqual({ StringEquals: OWNER_CONDITION, 'ForAllValues:StringEquals': { 'aws:TagKeys': ['backup-dr:verification-failed'] } });
    expect(resources(untag!).map(subText)).toEqual([snapshotArn(SECONDARY, 'backup-dr-*')]);
  });

  it('check-db-posture does not get StartDBInstanceAutomatedBackupsReplication, and replicate-db-backups is not deployed, while no database enforces it', () => {
    expect(policy.resources.databases.some((db) => db.automatedBackups.enforce)).toBe(false);
    expect(statementsFor(primary, 'check-db-posture', 'rds:StartDBInstanceAutomatedBackupsReplication')).toEqual([]);
    // …and replicate-db-backups, which would start it, is not deployed at all.
    expect(lambdas(primary).has('replicate-db-backups')).toBe(false);
  });

  it('reads snapshots of both regions where the code does (Describe calls list them)', () => {
    for (const [t, fn] of [[primary, 'copy-db-snapshots'], [secondary, 'verify-db-snapshots'], [primary, 'prune-db-snapshots'], [primary, 'check-db-posture']] as const) {
      const described = statementsFor(t, fn, 'rds:DescribeDBSnapshots').flatMap((s) => resources(s).map(subText));
      expect(described, fn).toEqual(expect.arrayContaining([snapshotArn(PRIMARY, '*'), snapshotArn(SECONDARY, '*')]));
    }
    // The secondary's prune reads the primary too (legal holds on the sources), but deletes only in its own region.
    const secondaryPrune = statementsFor(secondary, 'prune-db-snapshots', 'rds:DescribeDBSnapshots').flatMap((s) => resources(s).map(subText));
    expect(secondaryPrune).toEqual(expect.arrayContaining([snapshotArn(PRIMARY, '*'), snapshotArn(SECONDARY, '*')]));
    const deletes = statementsFor(secondary, 'prune-db-snapshots', 'rds:DeleteDBSnapshot').flatMap((s) => resources(s).map(subText));
    expect(deletes.every((arn) => String(arn).includes(`:rds:${SECONDARY}:`))).toBe(true);
  });
});

// ---- restore tests: IAM ------------------------------------------------------------------------------

describe('IAM of the restore and PITR test steps', () => {
  it.each([
    ['primary', () => primary, PRIMARY],
    ['secondary', () => secondary, SECONDARY],
  ] as const)('%s: restore-test-restore restores only into bdr-* instances tagged as ours, from our snapshots, in its own region', (role, template, region) => {
    const [restore, ...others] = statementsFor(template(), 'restore-test-restore', 'rds:RestoreDBInstanceFromDBSnapshot');
    expect(others).toEqual([]);
    expect(restore!.Condition).toEqual({ StringEquals: { 'aws:RequestTag/backup-dr:owner': 'backup-dr' } });
    expect(resources(restore!).map(subText)).toEqual([
      rdsArn(region, 'db:bdr-*'),
      snapshotArn(region, 'backup-dr-*'),
      ...(role === 'secondary' ? [rdsArn(region, 'auto-backup:*')] : []),
      rdsArn(region, 'subgrp:app-db-restore-test'),
      rdsArn(region, 'og:*'),
      rdsArn(region, 'pg:*'),
    ]);
    // PITR (from the replicated automated backups) only where the pitr-test runs.
    expect(actions(restore!).includes('rds:RestoreDBInstanceToPointInTime')).toBe(role === 'secondary');
    const [tag] = statementsFor(template(), 'restore-test-restore', 'rds:AddTagsToResource');
    expect(tag!.Condition).toEqual({ StringEquals: { 'aws:RequestTag/backup-dr:owner': 'backup-dr' } });
    expect(resources(tag!).map(subText)).toEqual([rdsArn(region, 'db:bdr-*')]);
    // The snapshot's key, through RDS in this region only; grants only for AWS resources.
    const kms = nonLogStatements(template(), 'restore-test-restore').filter((s) => actions(s).some((a) => ['kms:CreateGrant', 'kms:DescribeKey'].includes(a)));
    expect(kms).toHaveLength(2);
    for (const s of kms) {
      expect(s.Condition?.StringEquals).toEqual({ 'kms:ViaService': `rds.${region}.amazonaws.com` });
      expect(resources(s).map(subText)).toEqual([`arn:\${AWS::Partition}:kms:${region}:\${AWS::AccountId}:key/*`]);
    }
    for (const fn of ['restore-test-status', 'restore-test-teardown'] as const) {
      const described = statementsFor(template(), fn, 'rds:DescribeDBInstances').flatMap((s) => resources(s).map(subText));
      expect(described, fn).toEqual([rdsArn(region, 'db:bdr-*')]);
    }
  });

  it('restore-test-plan reads the replicated automated backups only in the secondary (PITR)', () => {
    expect(statementsFor(primary, 'restore-test-plan', 'rds:DescribeDBInstanceAutomatedBackups')).toEqual([]);
    const [backups] = statementsFor(secondary, 'restore-test-plan', 'rds:DescribeDBInstanceAutomatedBackups');
    expect(resources(backups!).map(subText)).toEqual([rdsArn(SECONDARY, 'auto-backup:*'), rdsArn(SECONDARY, 'db:*')]);
    for (const t of [primary, secondary]) {
      const described = statementsFor(t, 'restore-test-plan', 'rds:DescribeDBSnapshots').flatMap((s) => resources(s).map(subText));
      expect(described).toEqual(expect.arrayContaining([snapshotArn(PRIMARY, '*'), snapshotArn(SECONDARY, '*')]));
    }
  });

  it.each([
    ['primary', () => primary, PRIMARY],
    ['secondary', () => secondary, SECONDARY],
  ] as const)("%s: validate-restore may read only the configured secret and the manifests of its own region's bucket, and write only validation reports", (_role, template, region) => {
    const secrets = nonLogStatements(template(), 'validate-restore').filter((s) => actions(s).some((a) => a.startsWith('secretsmanager:')));
    expect(secrets).toEqual([
      {
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue'],
        Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:${region}:\${AWS::AccountId}:secret:backup-dr/app-db-master-??????` }],
      },
    ]);
    const s3 = nonLogStatements(template(), 'validate-restore').filter((s) => actions(s).some((a) => a.startsWith('s3:')));
    expect(s3).toEqual([
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${ReportsBucket}/manifests/*' }] },
      // So that a manifest never captured is NoSuchKey, not AccessDenied.
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [getAtt('ReportsBucket')] },
      { Effect: 'Allow', Action: ['s3:PutObject'], Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${ReportsBucket}/validation/*' }] },
    ]);
    // No RDS access: the policy's app-db compares with captured counts, not the live source.
    expect(actionSet(template(), 'validate-restore').filter((a) => a.startsWith('rds:'))).toEqual([]);
  });

  it("the secondary's validate-restore uses no key of the primary region: its manifests are replicas in its own bucket", () => {
    expect(JSON.stringify(nonLogStatements(secondary, 'validate-restore'))).not.toContain(PRIMARY);
    expect(statementsFor(secondary, 'validate-restore', 'kms:Decrypt')).toEqual([{ Effect: 'Allow', Action: ['kms:GenerateDataKey*', 'kms:Decrypt'], Resource: [getAtt('ServiceKey')] }]);
  });

  it('restore-test-record, cache-restore-test-record and media-restore-record write only evidence/, capture-db-manifest only manifests/, validate-restore and validate-cache-restore only validation/, all in the own reports bucket', () => {
    for (const [t, fn, prefix] of [
      [primary, 'restore-test-record', 'evidence/'],
      [secondary, 'restore-test-record', 'evidence/'],
      [primary, 'capture-db-manifest', 'manifests/'],
      [primary, 'validate-restore', 'validation/'],
      [secondary, 'validate-restore', 'validation/'],
      [primary, 'cache-restore-test-record', 'evidence/'],
      [secondary, 'cache-restore-test-record', 'evidence/'],
      [primary, 'validate-cache-restore', 'validation/'],
      [secondary, 'validate-cache-restore', 'validation/'],
      [primary, 'media-restore-record', 'evidence/'],
    ] as const) {
      expect(statementsFor(t, fn, 's3:PutObject'), fn).toEqual([{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::\${ReportsBucket}/${prefix}*` }] }]);
      // (An async function's other GenerateDataKey statement is through SQS, for its failure queue.)
      const viaS3 = statementsFor(t, fn, 'kms:GenerateDataKey').filter((s) => !JSON.stringify(s.Condition).includes('sqs.'));
      expect(viaS3, fn).toHaveLength(1);
      expect(resources(viaS3[0]!)).toEqual([getAtt('ServiceKey')]);
      expect(JSON.stringify(viaS3[0]!.Condition), fn).toContain('s3.');
    }
  });

  it('capture-db-manifest describes only the source instance and reads only its credentials', () => {
    expect(statementsFor(primary, 'capture-db-manifest', 'rds:DescribeDBInstances').flatMap((s) => resources(s).map(subText))).toEqual([rdsArn(PRIMARY, 'db:app-db-prod')]);
    expect(statementsFor(primary, 'capture-db-manifest', 'secretsmanager:GetSecretValue').flatMap((s) => resources(s).map(subText))).toEqual([
      `arn:\${AWS::Partition}:secretsmanager:${PRIMARY}:\${AWS::AccountId}:secret:backup-dr/app-db-master-??????`,
    ]);
  });
});

// ---- the cache restore test: IAM --------------------------------------------------------------------------

describe('IAM of the cache restore test steps', () => {
  const cacheArn = (region: string, resource: string) => `arn:\${AWS::Partition}:elasticache:${region}:\${AWS::AccountId}:${resource}`;
  const exportObjects = (region: string) => `arn:\${AWS::Partition}:s3:::backup-dr-exports-${STAGE}-\${AWS::AccountId}-${region}/backup-dr-*`;
  const REQUEST_TAG = { StringEquals: { 'aws:RequestTag/backup-dr:owner': 'backup-dr' } };

  it.each([
    ['primary', () => primary, PRIMARY],
    ['secondary', () => secondary, SECONDARY],
  ] as const)('%s: cache-restore-test-seed creates only bdr-crt-* groups and their nodes, tagged as ours, in its own region', (role, template, region) => {
    const [create, ...others] = statementsFor(template(), 'cache-restore-test-seed', 'elasticache:CreateReplicationGroup');
    expect(others).toEqual([]);
    expect(actions(create!)).toEqual(['elasticache:CreateReplicationGroup']);
    expect(create!.Condition).toEqual(REQUEST_TAG);
    expect(resources(create!).map(subText)).toEqual([
      cacheArn(region, 'replicationgroup:bdr-crt-*'),
      cacheArn(region, 'cluster:bdr-crt-*'),
      cacheArn(region, 'parametergroup:*'),
      cacheArn(region, 'securitygroup:*'),
      // The policy's subnet group of this region (restoreTest.subnetGroup, restoreTest.secondary.subnetGroup).
      cacheArn(region, 'subnetgroup:app-redis-restore-test'),
      // Seeding from our snapshot itself only in the primary; the secondary seeds from the exported .rdb.
      ...(role === 'primary' ? [cacheArn(region, 'snapshot:backup-dr-*')] : []),
    ]);
    const [tag, ...moreTags] = statementsFor(template(), 'cache-restore-test-seed', 'elasticache:AddTagsToResource');
    expect(moreTags).toEqual([]);
    expect(tag!.Condition).toEqual(REQUEST_TAG);
    expect(resources(tag!).map(subText)).toEqual([cacheArn(region, 'replicationgroup:bdr-crt-*'), cacheArn(region, 'cluster:bdr-crt-*')]);
    // Each .rdb it seeds from: our export objects in this region's export bucket, read only.
    expect(statementsFor(template(), 'cache-restore-test-seed', 's3:GetObject').flatMap((s) => resources(s).map(subText))).toEqual([exportObjects(region)]);
    expect(JSON.stringify(nonLogStatements(template(), 'cache-restore-test-seed'))).not.toContain(role === 'primary' ? SECONDARY : PRIMARY);
  });

  it.each([
    ['primary', () => primary, PRIMARY],
    ['secondary', () => secondary, SECONDARY],
  ] as const)('%s: cache-restore-test-teardown deletes only bdr-crt-* groups (and a failover rehearsal\'s bdr-rh-* in the secondary) carrying our owner tag; it and the status step describe only those (and the failover group)', (role, template, region) => {
    const rehearsal = role === 'secondary' ? [{ 'Fn::Sub': cacheArn(region, 'replicationgroup:bdr-rh-*') }] : [];
    expect(statementsFor(template(), 'cache-restore-test-teardown', 'elasticache:DeleteReplicationGroup')).toEqual([
      { Effect: 'Allow', Action: ['elasticache:DeleteReplicationGroup'], Resource: [{ 'Fn::Sub': cacheArn(region, 'replicationgroup:bdr-crt-*') }, ...rehearsal], Condition: { StringEquals: OWNER_CONDITION } },
    ]);
    const failover = role === 'secondary' ? [cacheArn(region, 'replicationgroup:app-redis-dr'), cacheArn(region, 'replicationgroup:bdr-rh-*')] : [];
    for (const [fn, more] of [['cache-restore-test-seed', []], ['cache-restore-test-status', failover], ['cache-restore-test-teardown', role === 'secondary' ? [cacheArn(region, 'replicationgroup:bdr-rh-*')] : []]] as const) {
      const described = statementsFor(template(), fn, 'elasticache:DescribeReplicationGroups').flatMap((s) => resources(s).map(subText));
      // redis-recovery (primary) waits for its bdr-rec-* group with the status step.
      expect(described, fn).toEqual([cacheArn(region, 'replicationgroup:bdr-crt-*'), ...(fn === 'cache-restore-test-status' && region === PRIMARY ? [cacheArn(region, 'replicationgroup:bdr-rec-*')] : []), ...more]);
    }
    if (role === 'secondary') {
      // region-failover seeds only the policy's failover group and a rehearsal's, tagged as ours.
      const [create] = statementsFor(template(), 'failover-cache-seed', 'elasticache:CreateReplicationGroup');
      expect(resources(create!).map(subText)).toEqual(expect.arrayContaining([cacheArn(region, 'replicationgroup:app-redis-dr'), cacheArn(region, 'replicationgroup:bdr-rh-*')]));
      expect(JSON.stringify(resources(create!))).not.toContain('app-redis-prod');
      expect(create!.Condition).toEqual({ StringEquals: { 'aws:RequestTag/backup-dr:owner': 'backup-dr' } });
    }
    // Neither the policy's own replication group nor any other: the cache restore test touches only its temporary groups.
    for (const fn of CACHE_STEP_FUNCTIONS) expect(JSON.stringify(nonLogStatements(template(), fn)), fn).not.toContain('app-redis-prod');
  });

  it.each([
    ['primary', () => primary, PRIMARY],
    ['secondary', () => secondary, SECONDARY],
  ] as const)('%s: the janitor lists the groups of its own region and reads their tags (replaced ones are known by them), and deletes only bdr-* groups carrying our owner tag, with a bdr-final-* snapshot', (_role, template, region) => {
    expect(nonLogStatements(template(), 'janitor').filter((s) => actions(s).some((a) => a.startsWith('elasticache:')))).toEqual([
      { Effect: 'Allow', Action: ['elasticache:DescribeReplicationGroups'], Resource: [{ 'Fn::Sub': cacheArn(region, 'replicationgroup:*') }] },
      { Effect: 'Allow', Action: ['elasticache:ListTagsForResource'], Resource: [{ 'Fn::Sub': cacheArn(region, 'replicationgroup:*') }] },
      { Effect: 'Allow', Action: ['elasticache:DeleteReplicationGroup'], Resource: [{ 'Fn::Sub': cacheArn(region, 'replicationgroup:bdr-*') }], Condition: { StringEquals: OWNER_CONDITION } },
      // The final snapshot: DeleteReplicationGroup needs CreateSnapshot on the group, its node and the snapshot — no tag condition, which the snapshot it creates cannot meet.
      { Effect: 'Allow', Action: ['elasticache:CreateSnapshot'], Resource: [{ 'Fn::Sub': cacheArn(region, 'replicationgroup:bdr-*') }, { 'Fn::Sub': cacheArn(region, 'cluster:bdr-*') }, { 'Fn::Sub': cacheArn(region, 'snapshot:bdr-final-*') }] },
    ]);
  });

  it('no other function may create or delete a replication group, and no function may modify one', () => {
    for (const t of [primary, secondary]) {
      for (const fn of lambdas(t).keys()) {
        const granted = actionSet(t, fn);
        if (fn !== 'cache-restore-test-seed' && fn !== 'cache-recovery-seed' && fn !== 'failover-cache-seed') expect(granted, fn).not.toContain('elasticache:CreateReplicationGroup');
        if (fn !== 'cache-restore-test-teardown' && fn !== 'janitor' && fn !== 'cache-recovery-teardown') expect(granted, fn).not.toContain('elasticache:DeleteReplicationGroup');
        expect(granted.filter((a) => /^elasticache:(Modify|Delete(?!Snapshot$|ReplicationGroup$))/.test(a)), fn).toEqual([]);
      }
    }
  });

  it('cache-restore-test-plan lists and reads the tags of its own region\'s exports and reads the manifests; describes our snapshots only in the primary', () => {
    for (const [t, region] of [[primary, PRIMARY], [secondary, SECONDARY]] as const) {
      const listed = statementsFor(t, 'cache-restore-test-plan', 's3:ListBucket').flatMap((s) => resources(s).map((r) => JSON.stringify(subText(r))));
      expect(listed.sort()).toEqual([JSON.stringify(`arn:\${AWS::Partition}:s3:::backup-dr-exports-${STAGE}-\${AWS::AccountId}-${region}`), JSON.stringify(getAtt('ReportsBucket'))].sort());
      expect(statementsFor(t, 'cache-restore-test-plan', 's3:GetObjectTagging').flatMap((s) => resources(s).map(subText))).toEqual([exportObjects(region)]);
      expect(statementsFor(t, 'cache-restore-test-plan', 's3:GetObject').flatMap((s) => resources(s).map(subText))).toEqual(['arn:${AWS::Partition}:s3:::${ReportsBucket}/manifests/*']);
    }
    expect(statementsFor(primary, 'cache-restore-test-plan', 'elasticache:DescribeSnapshots').flatMap((s) => resources(s).map(subText))).toEqual([cacheArn(PRIMARY, 'snapshot:*')]);
    expect(statementsFor(secondary, 'cache-restore-test-plan', 'elasticache:DescribeSnapshots')).toEqual([]);
  });

  it.each([
    ['primary', () => primary],
    ['secondary', () => secondary],
  ] as const)("%s: validate-cache-restore reads only the manifests of its own region's bucket and writes only validation reports (no secret: the policy names no authSecret)", (_role, template) => {
    const s3 = nonLogStatements(template(), 'validate-cache-restore').filter((s) => actions(s).some((a) => a.startsWith('s3:')));
    expect(s3).toEqual([
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${ReportsBucket}/manifests/*' }] },
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [getAtt('ReportsBucket')] },
      { Effect: 'Allow', Action: ['s3:PutObject'], Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${ReportsBucket}/validation/*' }] },
    ]);
    expect(statementsFor(template(), 'validate-cache-restore', 'secretsmanager:GetSecretValue')).toEqual([]);
  });
});

// ---- the point-in-time restore of a media prefix: IAM -------------------------------------------------------

describe('IAM of the media restore steps (primary only)', () => {
  const bucketArn = (name: string) => `arn:\${AWS::Partition}:s3:::${name}`;
  const objects = (name: string) => `arn:\${AWS::Partition}:s3:::${name}/*`;
  const LISTING = 'arn:${AWS::Partition}:s3:::${ReportsBucket}/media-restores/*';
  const resourcesOf = (fn: string, action: string) => statementsFor(primary, fn, action).flatMap((s) => resources(s).map(subText));
  const mentionsMedia = (value: unknown) => [MEDIA_SOURCE, MEDIA_REPLICA].some((bucket) => JSON.stringify(value).includes(bucket));

  it('media-restore-pass may list the versions of the source bucket and of its replica, and read versions of both (with their tags) and restore them from the archive classes', () => {
    expect(statementsFor(primary, 'media-restore-pass', 's3:ListBucketVersions')).toEqual([
      { Effect: 'Allow', Action: ['s3:ListBucketVersions'], Resource: [{ 'Fn::Sub': bucketArn(MEDIA_SOURCE) }, { 'Fn::Sub': bucketArn(MEDIA_REPLICA) }] },
    ]);
    for (const action of ['s3:GetObjectVersion', 's3:GetObjectVersionTagging', 's3:RestoreObject']) {
      expect(resourcesOf('media-restore-pass', action), action).toEqual([objects(MEDIA_SOURCE), objects(MEDIA_REPLICA)]);
    }
    // Only versions: no plain GetObject, no listing of the current objects alone.
    for (const action of ['s3:GetObject', 's3:ListBucket', 's3:GetObjectTagging']) expect(statementsFor(primary, 'media-restore-pass', action), action).toEqual([]);
  });

  it('media-restore-pass writes copies, their tags and delete markers only in the source bucket, never in its replica', () => {
    expect(resourcesOf('media-restore-pass', 's3:PutObjectTagging')).toEqual([objects(MEDIA_SOURCE)]);
    expect(resourcesOf('media-restore-pass', 's3:DeleteObject')).toEqual([objects(MEDIA_SOURCE)]);
    // A copy over 5 GiB goes in parts; one that fails is aborted, in the source only.
    expect(resourcesOf('media-restore-pass', 's3:AbortMultipartUpload')).toEqual([objects(MEDIA_SOURCE)]);
    // PutObject: the copies in the source, and the listing in the reports bucket.
    expect(resourcesOf('media-restore-pass', 's3:PutObject')).toEqual([objects(MEDIA_SOURCE), LISTING]);
    // What names the replica only reads it (and asks for the restore of an archived version).
    const onReplica = nonLogStatements(primary, 'media-restore-pass').filter((s) => JSON.stringify(resources(s)).includes(MEDIA_REPLICA));
    expect(onReplica.length).toBeGreaterThan(0);
    for (const s of onReplica) expect(actions(s).filter((a) => !['s3:ListBucketVersions', 's3:GetObjectVersion', 's3:GetObjectVersionTagging', 's3:RestoreObject'].includes(a))).toEqual([]);
  });

  it('nothing in either template may erase a version of the media buckets (s3:DeleteObjectVersion, or a wildcard that includes it)', () => {
    const erases = (action: string) => action === '*' || /^s3:(\*|Delete\*|DeleteObjectVersion)$/i.test(action) || (action.startsWith('s3:') && action.includes('*'));
    for (const t of [primary, secondary]) {
      for (const [id, role] of ofType(t, 'AWS::IAM::Role')) {
        for (const s of (props(role).Policies ?? []).flatMap((p: { PolicyDocument: { Statement: PolicyStatement[] } }) => p.PolicyDocument.Statement) as PolicyStatement[]) {
          if (s.Effect !== 'Allow') continue;
          const covers = mentionsMedia(resources(s)) || resources(s).includes('*');
          if (covers) expect(actions(s).filter(erases), id).toEqual([]);
        }
      }
      // The one version delete: prune-configuration-bundles, on the bundle keys of its own region's config bucket.
      const deletesVersions = ofType(t, 'AWS::IAM::Role').flatMap(([id, role]) =>
        ((props(role).Policies ?? []).flatMap((p: { PolicyDocument: { Statement: PolicyStatement[] } }) => p.PolicyDocument.Statement) as PolicyStatement[])
          .filter((s) => actions(s).includes('s3:DeleteObjectVersion'))
          .map((s) => [id, resources(s)]),
      );
      const region = t === primary ? PRIMARY : SECONDARY;
      expect(deletesVersions).toEqual([[expect.stringMatching(/^PruneDashconfigurationDashbundles/), [{ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${configBucketName(region)}/config/*/bundle.json` }]]]);
    }
  });

  it("only media-restore-pass, verify-media-replication and check-media-posture name the media buckets among the functions' roles; besides, only S3's replication role, the source bucket and S3's invoke permission — and in the secondary only the replica bucket and its posture check", () => {
    const naming = ofType(primary, 'AWS::IAM::Role').filter(([, role]) => mentionsMedia(props(role).Policies)).map(([id]) => id);
    const roleOf = (fn: string, t: Template = primary) => (props(lambdas(t).get(fn)!.resource).Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    // The replication role is S3's (media/buckets), assumed by no function.
    expect(naming.sort()).toEqual([roleOf('media-restore-pass'), roleOf('verify-media-replication'), roleOf('check-media-posture'), 'MediaReplicationRole'].sort());
    expect(ofType(primary, 'AWS::Lambda::Function').filter(([, fn]) => JSON.stringify(props(fn).Role).includes('MediaReplicationRole'))).toEqual([]);
    // Alarms name the buckets too (S3's replication metrics, media/alarms.ts), and the dashboard draws their
    // replication metrics: neither grants anything, both are left out here.
    const granting = (t: Template) => Object.entries(t.Resources).filter(([, r]) => r.Type !== 'AWS::CloudWatch::Dashboard' && r.Type !== 'AWS::CloudWatch::Alarm');
    const namingResources = (t: Template) => granting(t).filter(([, r]) => mentionsMedia(r)).map(([id, r]) => `${id} ${r.Type}`).sort();
    expect(namingResources(primary)).toEqual(
      [
        `${roleOf('media-restore-pass')} AWS::IAM::Role`, `${roleOf('verify-media-replication')} AWS::IAM::Role`, `${roleOf('check-media-posture')} AWS::IAM::Role`, 'MediaReplicationRole AWS::IAM::Role',
        'MediaBucket1 AWS::S3::Bucket', 'MediaReplicationEventsPermission1 AWS::Lambda::Permission',
      ].sort(),
    );
    // The secondary: the replica bucket, and the role of its posture check — no other role, no source bucket.
    expect(namingResources(secondary)).toEqual([`${roleOf('check-media-posture', secondary)} AWS::IAM::Role`, 'MediaReplicaBucket1 AWS::S3::Bucket'].sort());
    expect(JSON.stringify(granting(secondary))).not.toContain(MEDIA_SOURCE);
  });

  it("media-restore-pass writes its listing only under media-restores/ of the primary's own reports bucket — where the plan puts it", () => {
    const reportsWrites = statementsFor(primary, 'media-restore-pass', 's3:PutObject').filter((s) => JSON.stringify(resources(s)).includes('ReportsBucket'));
    expect(reportsWrites).toEqual([{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: [{ 'Fn::Sub': LISTING }] }]);
    // The plan names the listing of every run under that prefix (functions/media/media-restore-plan/plan.ts).
    const run = planMediaRestore(policy, { resource: 'media', prefix: 'uploads/', at: Date.parse('2026-11-30T10:00:00+09:00') }, Date.parse('2026-12-01T12:00:00+09:00'));
    expect(run.listingPrefix.startsWith('media-restores/')).toBe(true);
    expect(run.source).toEqual({ bucket: MEDIA_SOURCE, region: PRIMARY });
    expect(run.replica).toEqual({ bucket: MEDIA_REPLICA, region: SECONDARY });
    // The reports bucket's key, only through S3 in the primary (SSE-KMS of the listing).
    const viaS3 = statementsFor(primary, 'media-restore-pass', 'kms:GenerateDataKey').filter((s) => resources(s).some((r) => JSON.stringify(r) === JSON.stringify(getAtt('ServiceKey'))));
    expect(viaS3).toEqual([{ Effect: 'Allow', Action: ['kms:GenerateDataKey'], Resource: [getAtt('ServiceKey')], Condition: { StringEquals: { 'kms:ViaService': `s3.${PRIMARY}.amazonaws.com` } } }]);
  });

  it("media-restore-pass uses the media buckets' keys only through S3: the primary's to read and write, the secondary's only to read the replica", () => {
    const keyArn = (region: string) => `arn:\${AWS::Partition}:kms:${region}:\${AWS::AccountId}:key/*`;
    const byAlias = nonLogStatements(primary, 'media-restore-pass').filter((s) => s.Condition?.['ForAnyValue:StringEquals'] !== undefined);
    expect(byAlias.map((s) => [actions(s), resources(s).map(subText), s.Condition])).toEqual([
      [['kms:Decrypt', 'kms:GenerateDataKey'], [keyArn(PRIMARY)], { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [`alias/backup-dr-${STAGE}`] }, StringEquals: { 'kms:ViaService': `s3.${PRIMARY}.amazonaws.com` } }],
      [['kms:Decrypt'], [keyArn(SECONDARY)], { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [`alias/backup-dr-${STAGE}`] }, StringEquals: { 'kms:ViaService': `s3.${SECONDARY}.amazonaws.com` } }],
    ]);
    expect(actionSet(primary, 'media-restore-pass').filter((a) => a.startsWith('kms:') && !['kms:Decrypt', 'kms:GenerateDataKey', 'kms:GenerateDataKey*'].includes(a))).toEqual([]);
  });

  it('media-restore-plan and media-restore-notify may only alert; media-restore-record only writes its evidence', () => {
    for (const fn of ['media-restore-plan', 'media-restore-notify']) {
      expect(nonLogStatements(primary, fn), fn).toEqual([
        { Effect: 'Allow', Action: ['sns:Publish'], Resource: [{ Ref: 'AlertsTopic' }] },
        { Effect: 'Allow', Action: ['kms:GenerateDataKey*', 'kms:Decrypt'], Resource: [getAtt('ServiceKey')] },
      ]);
    }
    expect(resourcesOf('media-restore-record', 's3:PutObject')).toEqual(['arn:${AWS::Partition}:s3:::${ReportsBucket}/evidence/*']);
    expect(mentionsMedia(nonLogStatements(primary, 'media-restore-record'))).toBe(false);
  });

  it('the media restore steps are state-machine steps of the primary: no trigger, no retry of their own, outside the validation VPC; the secondary has none', () => {
    const ids = lambdas(primary);
    const configs = ofType(primary, 'AWS::Lambda::EventInvokeConfig').map(([, r]) => JSON.stringify(props(r).FunctionName));
    for (const fn of MEDIA_STEP_FUNCTIONS) {
      const { logicalId, resource } = ids.get(fn)!;
      expect(props(resource).VpcConfig, fn).toBeUndefined();
      expect(configs, fn).not.toContain(JSON.stringify({ Ref: logicalId }));
      expect(schedulesOf(primary, fn), fn).toEqual([]);
      expect(rdsRulesOf(primary, fn), fn).toEqual([]);
      expect(lambdas(secondary).has(fn), fn).toBe(false);
    }
    expect(props(ids.get('media-restore-pass')!.resource)).toMatchObject({ Timeout: 900, MemorySize: 512 });
    expect(Object.keys(secondary.Resources).filter((id) => id.startsWith('MediaRestore') || id.startsWith('MediaDashrestore'))).toEqual([]);
  });
});

// ---- the replication check of the media buckets and the alert on S3's replication events ------------------------

describe("the media buckets' replication check and replication-event alert (primary only)", () => {
  const bucketArn = (name: string) => `arn:\${AWS::Partition}:s3:::${name}`;
  const objects = (name: string) => `arn:\${AWS::Partition}:s3:::${name}/*`;
  const REPLICATION_REPORTS = 'arn:${AWS::Partition}:s3:::${ReportsBucket}/replication/*';
  const resourcesOf = (fn: string, action: string) => statementsFor(primary, fn, action).flatMap((s) => resources(s).map((r) => JSON.stringify(subText(r))));
  const alertFn = () => getAtt(lambdas(primary).get('alert-media-replication-failure')!.logicalId);
  const s3Permissions = (t: Template) => ofType(t, 'AWS::Lambda::Permission').filter(([, r]) => props(r).Principal === 's3.amazonaws.com');

  it('verify-media-replication lists the source bucket, its replica (HEAD of a missing copy must answer 404, not 403) and the reports bucket', () => {
    expect(resourcesOf('verify-media-replication', 's3:ListBucket').sort()).toEqual([JSON.stringify(bucketArn(MEDIA_SOURCE)), JSON.stringify(bucketArn(MEDIA_REPLICA)), JSON.stringify(getAtt('ReportsBucket'))].sort());
  });

  it("verify-media-replication reads (HEAD) objects and versions of the source bucket and of its replica", () => {
    for (const action of ['s3:GetObjectVersion', 's3:GetObject']) {
      const onMedia = statementsFor(primary, 'verify-media-replication', action).filter((s) => !JSON.stringify(resources(s)).includes('ReportsBucket'));
      expect(onMedia.flatMap((s) => resources(s).map(subText)), action).toEqual([objects(MEDIA_SOURCE), objects(MEDIA_REPLICA)]);
    }
  });

  it("verify-media-replication reads and writes in the reports bucket only under replication/ — where the check keeps its state", () => {
    const inReports = nonLogStatements(primary, 'verify-media-replication').filter((s) => JSON.stringify(resources(s)).includes('ReportsBucket') && !actions(s).includes('s3:ListBucket'));
    expect(inReports).toEqual([{ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [{ 'Fn::Sub': REPLICATION_REPORTS }] }]);
    expect(resourcesOf('verify-media-replication', 's3:PutObject')).toEqual([JSON.stringify(REPLICATION_REPORTS)]);
    // The check's state (and its daily report beside it) is under that prefix (functions/media/verify-media-replication).
    expect(stateKey('media')).toMatch(/^replication\/media\//);
    // The reports bucket's key, only through S3 in the primary (SSE-KMS of the reports).
    const viaS3 = statementsFor(primary, 'verify-media-replication', 'kms:GenerateDataKey').filter((s) => !JSON.stringify(s.Condition).includes('sqs.'));
    expect(viaS3).toEqual([{ Effect: 'Allow', Action: ['kms:GenerateDataKey'], Resource: [getAtt('ServiceKey')], Condition: { StringEquals: { 'kms:ViaService': `s3.${PRIMARY}.amazonaws.com` } } }]);
  });

  it('verify-media-replication may do nothing else on the media buckets: no write, tag, delete or restore in the source or the replica', () => {
    const onMedia = nonLogStatements(primary, 'verify-media-replication').filter((s) => [MEDIA_SOURCE, MEDIA_REPLICA].some((b) => JSON.stringify(resources(s)).includes(b)));
    expect(onMedia.length).toBeGreaterThan(0);
    for (const s of onMedia) expect(actions(s).filter((a) => !['s3:ListBucket', 's3:GetObject', 's3:GetObjectVersion'].includes(a)), JSON.stringify(resources(s))).toEqual([]);
    const granted = actionSet(primary, 'verify-media-replication');
    expect(granted.filter((a) => /^s3:(Put|Delete|Restore|Replicate|Abort)/.test(a) && a !== 's3:PutObject')).toEqual([]);
    expect(statementsFor(primary, 'verify-media-replication', 's3:PutObject').flatMap((s) => resources(s).map(subText))).toEqual([REPLICATION_REPORTS]);
  });

  it('alert-media-replication-failure may only alert (and record a failed invocation in the failure queue)', () => {
    expect(nonLogStatements(primary, 'alert-media-replication-failure')).toEqual([
      { Effect: 'Allow', Action: ['sns:Publish'], Resource: [{ Ref: 'AlertsTopic' }] },
      { Effect: 'Allow', Action: ['kms:GenerateDataKey*', 'kms:Decrypt'], Resource: [getAtt('ServiceKey')] },
      { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [getAtt('AsyncFailureQueue')] },
      { Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: [getAtt('ServiceKey')], Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'sqs.${AWS::Region}.amazonaws.com' } } } },
    ]);
  });

  it('lets only S3, for the source bucket, invoke exactly alert-media-replication-failure', () => {
    const permissions = s3Permissions(primary);
    expect(permissions.map(([id]) => id)).toEqual(['MediaReplicationEventsPermission1']);
    expect(props(permissions[0]![1])).toMatchObject({ FunctionName: alertFn(), Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com', SourceArn: { 'Fn::Sub': bucketArn(MEDIA_SOURCE) } });
    // Nothing else may invoke it: no other permission names it, no schedule or rule targets it.
    const naming = ofType(primary, 'AWS::Lambda::Permission').filter(([, r]) => JSON.stringify(props(r).FunctionName) === JSON.stringify(alertFn()));
    expect(naming.map(([id]) => id)).toEqual(['MediaReplicationEventsPermission1']);
    expect(schedulesOf(primary, 'alert-media-replication-failure')).toEqual([]);
    expect(rdsRulesOf(primary, 'alert-media-replication-failure')).toEqual([]);
    expect(JSON.stringify(props(primary.Resources.SchedulerInvokeRole).Policies)).not.toContain(lambdas(primary).get('alert-media-replication-failure')!.logicalId);
  });

  it('lets S3 invoke it only for a bucket in this account: SourceAccount is the account id (Ref AWS::AccountId), not the text "${AWS::AccountId}"', () => {
    const [[, permission]] = s3Permissions(primary) as [[string, CfnResource]];
    expect(props(permission).SourceAccount).toEqual({ Ref: 'AWS::AccountId' });
  });

  it("outputs alert-media-replication-failure's ARN, for the source bucket's event notifications", () => {
    expect(primary.Outputs?.MediaReplicationEventsFunctionArn?.Value).toEqual(alertFn());
  });

  it('runs both outside the validation VPC with the common environment, asynchronously (one retry, then the failure queue)', () => {
    const ids = lambdas(primary);
    const configs = ofType(primary, 'AWS::Lambda::EventInvokeConfig').map(([, r]) => props(r));
    for (const fn of ['verify-media-replication', 'alert-media-replication-failure']) {
      const { logicalId, resource } = ids.get(fn)!;
      expect(props(resource).VpcConfig, fn).toBeUndefined();
      expect(props(resource).Handler, fn).toBe(`functions/media/${fn}/handler.handler`);
      expect(configs.filter((c) => JSON.stringify(c.FunctionName) === JSON.stringify({ Ref: logicalId })), fn).toEqual([
        expect.objectContaining({ MaximumRetryAttempts: 1, DestinationConfig: { OnFailure: { Destination: getAtt('AsyncFailureQueue') } } }),
      ]);
    }
    expect(props(ids.get('verify-media-replication')!.resource)).toMatchObject({ Timeout: 900, MemorySize: 512 });
    expect(props(ids.get('alert-media-replication-failure')!.resource)).toMatchObject({ Timeout: 30, MemorySize: 256 });
  });

  it('the secondary has none of it: no function, no permission, no schedule, no output', () => {
    for (const fn of ['verify-media-replication', 'alert-media-replication-failure']) expect(lambdas(secondary).has(fn), fn).toBe(false);
    expect(s3Permissions(secondary)).toEqual([]);
    expect(secondary.Outputs?.MediaReplicationEventsFunctionArn).toBeUndefined();
    expect(Object.keys(secondary.Resources).filter((id) => /^(MediaReplication|VerifyDashmedia|AlertDashmedia|VerifyMedia|AlertMedia)/.test(id))).toEqual([]);
  });
});

// ---- the media buckets the stack manages (deploy/components/media/buckets.ts) --------------------------------

describe('the managed media buckets: the source in the primary, its replica in the secondary', () => {
  const bucketArn = (name: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${name}` });
  const objects = (name: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${name}/*` });
  /** The service key of a region by its stage-scoped alias ARN (the team policy names no kms.primary/secondary). */
  const serviceKeyAliasArn = (region: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:kms:${region}:\${AWS::AccountId}:alias/backup-dr-${STAGE}` });
  const alertFn = () => getAtt(lambdas(primary).get('alert-media-replication-failure')!.logicalId);
  const PROTECTED = {
    VersioningConfiguration: { Status: 'Enabled' },
    PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    Tags: [{ Key: 'backup-dr:owner', Value: 'backup-dr' }],
  };
  const encryptedWith = (key: unknown) => ({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key }, BucketKeyEnabled: true }] });
  const tlsOnly = (id: string) => ({
    Type: 'AWS::S3::BucketPolicy',
    Properties: {
      Bucket: { Ref: id },
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DenyWithoutTls',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: [getAtt(id), { 'Fn::Sub': `\${${id}.Arn}/*` }],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      },
    },
  });
  const policyStatements = (t: Template, id: string) => (props(t.Resources[id]).Policies as { PolicyDocument: { Statement: PolicyStatement[] } }[]).flatMap((p) => p.PolicyDocument.Statement);

  it('the source: versioned, SSE-KMS with the primary\'s service key (its alias ARN) and Bucket Keys, private, owner-enforced, ours, retained', () => {
    const bucket = primary.Resources.MediaBucket1!;
    expect(bucket.Type).toBe('AWS::S3::Bucket');
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.UpdateReplacePolicy).toBe('Retain');
    expect(props(bucket)).toMatchObject({ BucketName: MEDIA_SOURCE, ...PROTECTED, BucketEncryption: encryptedWith(serviceKeyAliasArn(PRIMARY)) });
    expect(props(bucket).BucketEncryption).toEqual(encryptedWith(serviceKeyAliasArn(PRIMARY)));
  });

  it("the source's lifecycle: Standard-IA after 30 days, Glacier Flexible Retrieval after 90, Deep Archive after 365; replaced and deleted versions removed after 365 days", () => {
    expect(props(primary.Resources.MediaBucket1).LifecycleConfiguration).toEqual({
      Rules: [
        {
          Id: 'media-lifecycle',
          Status: 'Enabled',
          Prefix: '',
          Transitions: [
            { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
            { StorageClass: 'GLACIER', TransitionInDays: 90 },
            { StorageClass: 'DEEP_ARCHIVE', TransitionInDays: 365 },
          ],
          NoncurrentVersionExpiration: { NoncurrentDays: 365 },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
        },
      ],
    });
    // Current objects are never expired: only transitioned.
    expect(JSON.stringify(props(primary.Resources.MediaBucket1).LifecycleConfiguration)).not.toMatch(/ExpirationInDays|ExpirationDate|ExpiredObjectDeleteMarker/);
  });

  it('the source replicates every object and delete marker to the replica with its own role, SSE-KMS objects re-encrypted with the secondary\'s key, with Replication Time Control (15 min) and metrics', () => {
    expect(props(primary.Resources.MediaBucket1).ReplicationConfiguration).toEqual({
      Role: getAtt('MediaReplicationRole'),
      Rules: [
        {
          Id: 'to-replica',
          Status: 'Enabled',
          Priority: 1,
          Filter: { Prefix: '' },
          DeleteMarkerReplication: { Status: 'Enabled' },
          SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
          Destination: {
            Bucket: bucketArn(MEDIA_REPLICA),
            EncryptionConfiguration: { ReplicaKmsKeyID: serviceKeyAliasArn(SECONDARY) },
            ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } },
            Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 15 } },
          },
        },
        {
          // Second: every object (never a delete marker) into Deep Archive in the archive region, with its key; no RTC.
          Id: 'to-archive',
          Status: 'Enabled',
          Priority: 2,
          Filter: { Prefix: '' },
          DeleteMarkerReplication: { Status: 'Disabled' },
          SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
          Destination: { Bucket: bucketArn(MEDIA_ARCHIVE), StorageClass: 'DEEP_ARCHIVE', EncryptionConfiguration: { ReplicaKmsKeyID: serviceKeyAliasArn(ARCHIVE) } },
        },
      ],
    });
  });

  it("the archive rule's destination is the bucket the archive region declares, with the key that bucket encrypts with", () => {
    const destination = props(primary.Resources.MediaBucket1).ReplicationConfiguration.Rules[1].Destination;
    const archived = props(archive.Resources.MediaArchiveBucket1);
    expect(destination.Bucket).toEqual(bucketArn(archived.BucketName));
    expect(destination.EncryptionConfiguration.ReplicaKmsKeyID).toEqual(archived.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID);
  });

  it("the replication rule's destination is the bucket the secondary declares, with the key that bucket encrypts with", () => {
    const destination = props(primary.Resources.MediaBucket1).ReplicationConfiguration.Rules[0].Destination;
    const replica = props(secondary.Resources.MediaReplicaBucket1);
    expect(destination.Bucket).toEqual(bucketArn(replica.BucketName));
    expect(destination.EncryptionConfiguration.ReplicaKmsKeyID).toEqual(replica.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID);
  });

  it("sends S3's replication failures and late replications to alert-media-replication-failure, once S3 may invoke it (DependsOn its permission)", () => {
    const bucket = primary.Resources.MediaBucket1!;
    expect(props(bucket).NotificationConfiguration).toEqual({
      LambdaConfigurations: [
        { Event: 's3:Replication:OperationFailedReplication', Function: alertFn() },
        { Event: 's3:Replication:OperationMissedThreshold', Function: alertFn() },
      ],
    });
    expect((bucket as { DependsOn?: unknown }).DependsOn).toEqual(['MediaReplicationEventsPermission1']);
    // That permission is the one for this bucket, on that function.
    expect(props(primary.Resources.MediaReplicationEventsPermission1)).toMatchObject({ FunctionName: alertFn(), Principal: 's3.amazonaws.com', SourceArn: bucketArn(MEDIA_SOURCE) });
  });

  it('the source has exactly these properties (nothing unasserted)', () => {
    expect(Object.keys(props(primary.Resources.MediaBucket1)).sort()).toEqual(
      ['BucketName', 'VersioningConfiguration', 'BucketEncryption', 'PublicAccessBlockConfiguration', 'OwnershipControls', 'LifecycleConfiguration', 'ReplicationConfiguration', 'NotificationConfiguration', 'Tags'].sort(),
    );
  });

  it('refuses any request to the source or the replica without TLS', () => {
    expect(primary.Resources.MediaBucket1Policy).toEqual(tlsOnly('MediaBucket1'));
    expect(secondary.Resources.MediaReplicaBucket1Policy).toEqual(tlsOnly('MediaReplicaBucket1'));
  });

  it('S3 replicates with a role of its own: it reads the source (configuration, listing, versions for replication with their ACL and tags) and may replicate only into the replica\'s objects, and into the archive\'s without deletes', () => {
    const role = primary.Resources.MediaReplicationRole!;
    expect(role.Type).toBe('AWS::IAM::Role');
    expect(props(role).AssumeRolePolicyDocument).toEqual({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
    expect(props(role).ManagedPolicyArns).toBeUndefined();
    expect(policyStatements(primary, 'MediaReplicationRole').filter((s) => actions(s).some((a) => a.startsWith('s3:')))).toEqual([
      { Effect: 'Allow', Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'], Resource: [bucketArn(MEDIA_SOURCE)] },
      { Effect: 'Allow', Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'], Resource: [objects(MEDIA_SOURCE)] },
      { Effect: 'Allow', Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'], Resource: [objects(MEDIA_REPLICA)] },
      { Effect: 'Allow', Action: ['s3:ReplicateObject', 's3:ReplicateTags'], Resource: [objects(MEDIA_ARCHIVE)] },
    ]);
  });

  it('the replication role uses the keys only through S3: decrypts with the primary\'s service key there, encrypts with the secondary\'s and the archive\'s there — nothing else', () => {
    const keyOf = (region: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:kms:${region}:\${AWS::AccountId}:key/*` });
    const alias = { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [`alias/backup-dr-${STAGE}`] } };
    expect(policyStatements(primary, 'MediaReplicationRole').filter((s) => actions(s).some((a) => !a.startsWith('s3:')))).toEqual([
      { Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [keyOf(PRIMARY)], Condition: { ...alias, StringEquals: { 'kms:ViaService': `s3.${PRIMARY}.amazonaws.com` } } },
      { Effect: 'Allow', Action: ['kms:Encrypt'], Resource: [keyOf(SECONDARY)], Condition: { ...alias, StringEquals: { 'kms:ViaService': `s3.${SECONDARY}.amazonaws.com` } } },
      { Effect: 'Allow', Action: ['kms:Encrypt'], Resource: [keyOf(ARCHIVE)], Condition: { ...alias, StringEquals: { 'kms:ViaService': `s3.${ARCHIVE}.amazonaws.com` } } },
    ]);
    expect(policyStatements(primary, 'MediaReplicationRole').every((s) => s.Effect === 'Allow')).toBe(true);
  });

  it("nothing else may replicate into the media buckets: no other role grants s3:Replicate* (or a wildcard covering it) on them, and no function's role any", () => {
    const replicates = (action: string) => action === '*' || /^s3:(\*|Replicate.*)$/i.test(action) || (action.startsWith('s3:') && action.includes('*'));
    const media = (s: PolicyStatement) => [MEDIA_SOURCE, MEDIA_REPLICA, MEDIA_ARCHIVE].some((b) => JSON.stringify(resources(s)).includes(b)) || resources(s).includes('*');
    for (const t of [primary, secondary, archive]) {
      const granting = ofType(t, 'AWS::IAM::Role')
        .filter(([id]) => policyStatements(t, id).some((s) => s.Effect === 'Allow' && media(s) && actions(s).some(replicates)))
        .map(([id]) => id);
      expect(granting).toEqual(t === primary ? ['MediaReplicationRole'] : []);
    }
    // The functions' roles: no s3:Replicate* at all.
    for (const t of [primary, secondary]) {
      for (const fn of lambdas(t).keys()) expect(actionSet(t, fn).filter((a) => /^s3:Replicate/.test(a)), fn).toEqual([]);
    }
    // …and no bucket policy grants anything on them (they only deny requests without TLS).
    for (const [t, id] of [[primary, 'MediaBucket1Policy'], [secondary, 'MediaReplicaBucket1Policy'], [archive, 'MediaArchiveBucket1Policy']] as const) {
      expect((props(t.Resources[id]).PolicyDocument.Statement as PolicyStatement[]).filter((s) => s.Effect !== 'Deny'), id).toEqual([]);
    }
  });

  it("the replica (secondary): versioned, SSE-KMS with the secondary's service key and Bucket Keys, private, owner-enforced, ours, replaced and deleted versions removed after 365 days, retained", () => {
    const bucket = secondary.Resources.MediaReplicaBucket1!;
    expect(bucket.Type).toBe('AWS::S3::Bucket');
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.UpdateReplacePolicy).toBe('Retain');
    expect(props(bucket)).toEqual({
      BucketName: MEDIA_REPLICA,
      ...PROTECTED,
      BucketEncryption: encryptedWith(serviceKeyAliasArn(SECONDARY)),
      LifecycleConfiguration: {
        Rules: [{ Id: 'replica-versions', Status: 'Enabled', Prefix: '', NoncurrentVersionExpiration: { NoncurrentDays: 365 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }],
      },
    });
    // It replicates nothing onward and notifies nothing.
    expect(props(bucket).ReplicationConfiguration).toBeUndefined();
    expect(props(bucket).NotificationConfiguration).toBeUndefined();
  });

  it('each region declares only its side: no source bucket, replication role or invoke permission in the secondary, no replica in the primary', () => {
    const media = (t: Template) => Object.keys(t.Resources).filter((id) => /^Media(Bucket|ReplicaBucket|ReplicationRole$|ReplicationEventsPermission)/.test(id)).sort();
    expect(media(primary)).toEqual(['MediaBucket1', 'MediaBucket1Policy', 'MediaReplicationEventsPermission1', 'MediaReplicationRole']);
    expect(media(secondary)).toEqual(['MediaReplicaBucket1', 'MediaReplicaBucket1Policy']);
    const bucketNames = (t: Template) => ofType(t, 'AWS::S3::Bucket').map(([, r]) => props(r).BucketName).filter((name) => typeof name === 'string');
    expect(bucketNames(primary)).toEqual([MEDIA_SOURCE]);
    expect(bucketNames(secondary)).toEqual([MEDIA_REPLICA]);
    expect(bucketNames(archive)).toEqual([MEDIA_ARCHIVE]);
  });
});

describe('the archive region (npm run package -- --region ap-southeast-2): the media archive buckets and their key, nothing else', () => {
  const ARCHIVE_KEY = { 'Fn::Sub': `arn:\${AWS::Partition}:kms:${ARCHIVE}:\${AWS::AccountId}:alias/backup-dr-${STAGE}` };

  it('holds exactly the archive bucket, its TLS-only policy, the key and its alias — besides the deployment bucket osls uploads the template to', () => {
    expect(Object.fromEntries(Object.entries(archive.Resources).map(([id, r]) => [id, r.Type]))).toEqual({
      ServerlessDeploymentBucket: 'AWS::S3::Bucket',
      ServerlessDeploymentBucketPolicy: 'AWS::S3::BucketPolicy',
      ServiceKey: 'AWS::KMS::Key',
      ServiceKeyAlias: 'AWS::KMS::Alias',
      MediaArchiveBucket1: 'AWS::S3::Bucket',
      MediaArchiveBucket1Policy: 'AWS::S3::BucketPolicy',
    });
    expect(Object.keys(archive.Outputs ?? {}).sort()).toEqual(['RegionRole', 'ServerlessDeploymentBucketName', 'ServiceKeyAlias', 'ServiceKeyArn']);
    expect((archive.Outputs as Record<string, { Value: unknown }>).RegionRole?.Value).toBe('archive');
    expect(readdirSync(ARCHIVE_DIR).filter((f) => f.endsWith('.zip'))).toEqual([]);
  });

  it('the archive bucket: versioned, SSE-KMS with the archive region\'s key and Bucket Keys, private, owner-enforced, ours, replaced versions kept 7 years, retained', () => {
    const bucket = archive.Resources.MediaArchiveBucket1!;
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.UpdateReplacePolicy).toBe('Retain');
    expect(props(bucket)).toEqual({
      BucketName: MEDIA_ARCHIVE,
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: ARCHIVE_KEY }, BucketKeyEnabled: true }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: { Rules: [{ Id: 'archive-versions', Status: 'Enabled', Prefix: '', NoncurrentVersionExpiration: { NoncurrentDays: 2555 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }] },
      Tags: [{ Key: 'backup-dr:owner', Value: 'backup-dr' }],
    });
    const statements = props(archive.Resources.MediaArchiveBucket1Policy).PolicyDocument.Statement as PolicyStatement[];
    expect(statements).toEqual([
      { Sid: 'DenyWithoutTls', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [getAtt('MediaArchiveBucket1'), { 'Fn::Sub': '${MediaArchiveBucket1.Arn}/*' }], Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
    ]);
  });

  it("the archive key: rotated every 90 days, retained, administered by the account only (the replication role's IAM policy grants its use through S3)", () => {
    const key = archive.Resources.ServiceKey!;
    expect(key.DeletionPolicy).toBe('Retain');
    expect(props(key)).toMatchObject({ EnableKeyRotation: true, RotationPeriodInDays: 90, PendingWindowInDays: 30 });
    expect((props(key).KeyPolicy.Statement as { Sid: string }[]).map((s) => s.Sid)).toEqual(['AccountAdministers']);
    expect(props(archive.Resources.ServiceKeyAlias)).toEqual({ AliasName: `alias/backup-dr-${STAGE}`, TargetKeyId: { Ref: 'ServiceKey' } });
  });

  it('no function, state machine, topic, queue, alarm, schedule, rule, role or log group leaks into it', () => {
    const leaked = Object.entries(archive.Resources)
      .filter(([, r]) => /^AWS::(Lambda|StepFunctions|SNS|SQS|CloudWatch|Scheduler|Events|IAM|Logs|EC2)::/.test(r.Type))
      .map(([id]) => id);
    expect(leaked).toEqual([]);
    expect(archiveRun.output).not.toMatch(/packaging warning/);
  });
});

// ---- configuration backups (deploy/components/config/backup.ts) ------------------------------------------------

describe('configuration backups: back-up-configuration and the config buckets (config/backup)', () => {
  const bucketArn = (region: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${configBucketName(region)}` });
  const objects = (region: string, prefix = '') => ({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${configBucketName(region)}/${prefix}*` });
  /** The service key of a region by its stage-scoped alias ARN (the team policy names no kms.primary/secondary). */
  const serviceKeyAliasArn = (region: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:kms:${region}:\${AWS::AccountId}:alias/backup-dr-${STAGE}` });
  /** IAM names the key by its alias through kms:ResourceAliases, on the keys of the region, through one service only. */
  const serviceKeyVia = (actionList: string[], service: string, region: string) => ({
    Effect: 'Allow',
    Action: actionList,
    Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:kms:${region}:\${AWS::AccountId}:key/*` }],
    Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [`alias/backup-dr-${STAGE}`] }, StringEquals: { 'kms:ViaService': `${service}.${region}.amazonaws.com` } },
  });
  const ssmArn = (name: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:ssm:${PRIMARY}:\${AWS::AccountId}:parameter${name}` });
  const policyStatements = (t: Template, id: string) => (props(t.Resources[id]).Policies as { PolicyDocument: { Statement: PolicyStatement[] } }[]).flatMap((p) => p.PolicyDocument.Statement);
  const fnRoleId = (fn = 'back-up-configuration') => (props(lambdas(primary).get(fn)!.resource).Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
  const PROTECTED = {
    VersioningConfiguration: { Status: 'Enabled' },
    PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    Tags: [{ Key: 'backup-dr:owner', Value: 'backup-dr' }],
  };
  const encryptedWith = (key: unknown) => ({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key }, BucketKeyEnabled: true }] });
  const mentionsConfig = (value: unknown) => JSON.stringify(value).includes(`backup-dr-config-${STAGE}-`) || JSON.stringify(value).includes('ConfigBucket');

  it.each([
    ['primary', () => primary, PRIMARY],
    ['secondary', () => secondary, SECONDARY],
  ] as const)('prune-configuration-bundles (%s) may exactly: list the versions of the bundle keys, HEAD a version and read its tags, delete a version — of its own region\'s config bucket only, no KMS', (_role, template, region) => {
    expect(nonLogStatements(template(), 'prune-configuration-bundles')).toEqual([
      { Effect: 'Allow', Action: ['s3:ListBucketVersions'], Resource: [bucketArn(region)], Condition: { StringLike: { 's3:prefix': ['config/*/bundle.json'] } } },
      { Effect: 'Allow', Action: ['s3:GetObjectVersion', 's3:GetObjectVersionTagging', 's3:DeleteObjectVersion'], Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${configBucketName(region)}/config/*/bundle.json` }] },
      ...nonLogStatements(template(), 'prune-configuration-bundles').slice(2),
    ]);
    expect(nonLogStatements(template(), 'prune-configuration-bundles').slice(2).flatMap(actions).filter((a) => a.startsWith('s3:'))).toEqual([]);
    expect(JSON.stringify(nonLogStatements(template(), 'prune-configuration-bundles'))).not.toContain(region === PRIMARY ? SECONDARY : PRIMARY);
    expect(props(lambdas(template()).get('prune-configuration-bundles')!.resource).Environment.Variables.CONFIG_BUCKET).toEqual({ 'Fn::Sub': configBucketName(region) });
  });

  it('back-up-configuration may exactly: list the parameters under the policy\'s paths, read the secrets under its prefix (and list secret names), decrypt both through their services, HEAD and write bundles only under config/ of the primary\'s config bucket with its key through S3 — besides alerting and its failure queue', () => {
    expect(nonLogStatements(primary, 'back-up-configuration')).toEqual([
      { Effect: 'Allow', Action: ['ssm:GetParametersByPath'], Resource: [ssmArn('/app/prod'), ssmArn('/app/prod/*')] },
      { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:${PRIMARY}:\${AWS::AccountId}:secret:app/prod/*` }] },
      // ListSecrets authorizes on no resource: names and metadata, never a value.
      { Effect: 'Allow', Action: ['secretsmanager:ListSecrets'], Resource: ['*'] },
      serviceKeyVia(['kms:Decrypt'], 'ssm', PRIMARY),
      serviceKeyVia(['kms:Decrypt'], 'secretsmanager', PRIMARY),
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${configBucketName(PRIMARY)}/config/*/bundle.json` }] },
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [bucketArn(PRIMARY)] },
      serviceKeyVia(['kms:GenerateDataKey', 'kms:Decrypt'], 's3', PRIMARY),
      { Effect: 'Allow', Action: ['sns:Publish'], Resource: [{ Ref: 'AlertsTopic' }] },
      { Effect: 'Allow', Action: ['kms:GenerateDataKey*', 'kms:Decrypt'], Resource: [getAtt('ServiceKey')] },
      { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [getAtt('AsyncFailureQueue')] },
      { Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: [getAtt('ServiceKey')], Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'sqs.${AWS::Region}.amazonaws.com' } } } },
    ]);
    // Nothing of the secondary's (S3 replicates, not the function), no write of parameters or secrets, no delete anywhere.
    expect(JSON.stringify(nonLogStatements(primary, 'back-up-configuration'))).not.toContain(SECONDARY);
    expect(actionSet(primary, 'back-up-configuration').filter((a) => /^(ssm|secretsmanager):(Put|Update|Delete|Create|Rotate|Restore|Tag)|^s3:(Delete|Replicate|PutBucket)/.test(a))).toEqual([]);
  });

  it('writes each bundle where its role may: configBundleKey is under config/ (one key per configuration, each write a version)', () => {
    for (const c of policy.resources.configuration) expect(configBundleKey(c.name), c.name).toMatch(/^config\/[^/]+\/bundle\.json$/);
    expect(configBundleKey('app-config')).toBe('config/app-config/bundle.json');
  });

  it('names in its environment the bucket and the key the primary\'s config bucket is declared with', () => {
    const env = props(lambdas(primary).get('back-up-configuration')!.resource).Environment.Variables;
    const bucket = props(primary.Resources.ConfigBucket);
    expect(env.CONFIG_BUCKET).toEqual(bucket.BucketName);
    expect(env.CONFIG_KEY).toEqual(bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID);
  });

  it.each([
    ['primary', () => primary, PRIMARY],
    ['secondary', () => secondary, SECONDARY],
  ] as const)("%s: the config bucket is versioned, SSE-KMS with this region's service key (its alias ARN) and Bucket Keys, private, owner-enforced, ours, retained — exactly", (role, t, region) => {
    const bucket = t().Resources.ConfigBucket!;
    expect(bucket.Type).toBe('AWS::S3::Bucket');
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.UpdateReplacePolicy).toBe('Retain');
    const { ReplicationConfiguration, ...rest } = props(bucket);
    expect(rest).toEqual({ BucketName: { 'Fn::Sub': configBucketName(region) }, ...PROTECTED, BucketEncryption: encryptedWith(serviceKeyAliasArn(region)) });
    // No lifecycle: every version (the history of each bundle) is kept. Only the primary replicates.
    expect(ReplicationConfiguration === undefined, role).toBe(role === 'secondary');
    expect(t().Outputs?.ConfigBucketName?.Value).toEqual({ 'Fn::Sub': configBucketName(region) });
  });

  it("the primary's replicates every bundle version (not deletions) to the secondary's with its own role, SSE-KMS objects re-encrypted with the secondary's key", () => {
    expect(props(primary.Resources.ConfigBucket).ReplicationConfiguration).toEqual({
      Role: getAtt('ConfigReplicationRole'),
      Rules: [
        {
          Id: 'config-to-secondary',
          Status: 'Enabled',
          Priority: 1,
          Filter: { Prefix: '' },
          DeleteMarkerReplication: { Status: 'Disabled' },
          SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
          Destination: { Bucket: bucketArn(SECONDARY), EncryptionConfiguration: { ReplicaKmsKeyID: serviceKeyAliasArn(SECONDARY) } },
        },
      ],
    });
    // …which is the bucket the secondary declares, with the key that bucket encrypts with.
    const destination = props(primary.Resources.ConfigBucket).ReplicationConfiguration.Rules[0].Destination;
    const replica = props(secondary.Resources.ConfigBucket);
    expect(destination.Bucket).toEqual({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${(replica.BucketName as { 'Fn::Sub': string })['Fn::Sub']}` });
    expect(destination.EncryptionConfiguration.ReplicaKmsKeyID).toEqual(replica.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID);
  });

  it('refuses any request to either config bucket without TLS, and grants nothing through the bucket policy', () => {
    for (const t of [primary, secondary]) {
      expect(t.Resources.ConfigBucketPolicy).toEqual({
        Type: 'AWS::S3::BucketPolicy',
        Properties: {
          Bucket: { Ref: 'ConfigBucket' },
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'DenyWithoutTls',
                Effect: 'Deny',
                Principal: '*',
                Action: 's3:*',
                Resource: [getAtt('ConfigBucket'), { 'Fn::Sub': '${ConfigBucket.Arn}/*' }],
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              },
            ],
          },
        },
      });
    }
  });

  it("S3 replicates with a role of its own (primary): reads the primary's config bucket, replicates only into the secondary's objects, uses the keys only through S3", () => {
    const role = primary.Resources.ConfigReplicationRole!;
    expect(role.Type).toBe('AWS::IAM::Role');
    expect(props(role).AssumeRolePolicyDocument).toEqual({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
    expect(props(role).ManagedPolicyArns).toBeUndefined();
    expect(policyStatements(primary, 'ConfigReplicationRole')).toEqual([
      { Effect: 'Allow', Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'], Resource: [bucketArn(PRIMARY)] },
      { Effect: 'Allow', Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'], Resource: [objects(PRIMARY)] },
      { Effect: 'Allow', Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'], Resource: [objects(SECONDARY)] },
      serviceKeyVia(['kms:Decrypt'], 's3', PRIMARY),
      serviceKeyVia(['kms:Encrypt'], 's3', SECONDARY),
    ]);
    // No function assumes it.
    expect(ofType(primary, 'AWS::Lambda::Function').filter(([, fn]) => JSON.stringify(props(fn).Role).includes('ConfigReplicationRole'))).toEqual([]);
  });

  it('only back-up-configuration, the restore test and the failover readiness check (which only read them), prune-configuration-bundles, the configuration restore\'s reads and S3\'s replication role may act on the config buckets; nothing else may replicate into them', () => {
    const replicates = (action: string) => action === '*' || /^s3:(\*|Replicate.*)$/i.test(action) || (action.startsWith('s3:') && action.includes('*'));
    for (const t of [primary, secondary]) {
      const naming = ofType(t, 'AWS::IAM::Role').filter(([, r]) => mentionsConfig(props(r).Policies)).map(([id]) => id).sort();
      const pruneRole = (props(lambdas(t).get('prune-configuration-bundles')!.resource).Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
      // The configuration restore's plan and batch read bundles of their own region's config bucket (config/restore).
      const restoreRoles = ['config-restore-plan', 'config-restore-apply'].map((fn) => (props(lambdas(t).get(fn)!.resource).Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!);
      const readinessRole = t === secondary ? (props(lambdas(t).get('check-failover-readiness')!.resource).Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]! : '';
      // The secondary's failover readiness check reads the bundles' metadata (HEAD) of its region's config bucket.
      expect(naming).toEqual((t === primary ? [fnRoleId(), fnRoleId('test-configuration-restore'), 'ConfigReplicationRole', pruneRole, ...restoreRoles] : [pruneRole, ...restoreRoles, readinessRole]).sort());
      if (t === secondary) {
        const onConfig = policyStatements(t, readinessRole).filter((s) => mentionsConfig(resources(s)));
        expect(onConfig.flatMap(actions).sort()).toEqual(['s3:GetObject', 's3:ListBucket']);
      }
      if (t === primary) {
        const onConfig = policyStatements(t, fnRoleId('test-configuration-restore')).filter((s) => mentionsConfig(resources(s)));
        expect(onConfig.flatMap(actions).sort()).toEqual(['s3:GetObject', 's3:ListBucket']);
      }
      const replicating = ofType(t, 'AWS::IAM::Role')
        .filter(([id]) => policyStatements(t, id).some((s) => s.Effect === 'Allow' && (mentionsConfig(resources(s)) || resources(s).includes('*')) && actions(s).some(replicates)))
        .map(([id]) => id);
      expect(replicating).toEqual(t === primary ? ['ConfigReplicationRole'] : []);
    }
  });

  it('runs in the primary only, outside the validation VPC, asynchronously (one retry, then the failure queue), with an Errors and a Throttles alarm named for the config component', () => {
    const { logicalId, resource } = lambdas(primary).get('back-up-configuration')!;
    expect(props(resource)).toMatchObject({ Handler: 'functions/config/back-up-configuration/handler.handler', Timeout: 300, MemorySize: 256 });
    expect(props(resource).VpcConfig).toBeUndefined();
    const configs = ofType(primary, 'AWS::Lambda::EventInvokeConfig').map(([, r]) => props(r)).filter((c) => JSON.stringify(c.FunctionName) === JSON.stringify({ Ref: logicalId }));
    expect(configs).toEqual([expect.objectContaining({ MaximumRetryAttempts: 1, DestinationConfig: { OnFailure: { Destination: getAtt('AsyncFailureQueue') } } })]);
    const alarms = ofType(primary, 'AWS::CloudWatch::Alarm').map(([, r]) => props(r)).filter((a) => JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: 'FunctionName', Value: { Ref: logicalId } }]));
    expect(alarms.map((a) => a.AlarmName).sort()).toEqual([`backup-dr-${STAGE}-config-back-up-configuration-errors-${PRIMARY}`, `backup-dr-${STAGE}-config-back-up-configuration-throttles-${PRIMARY}`]);
    for (const alarm of alarms) expect(alarm.AlarmDescription).toContain('async-failures queue');
  });

  it('the secondary has only its config bucket and its TLS-only policy of the backup: no backup function, schedule, rule or replication role', () => {
    expect(lambdas(secondary).has('back-up-configuration')).toBe(false);
    expect(Object.keys(secondary.Resources).filter((id) => /^(Config(?!Restore|Dashrestore|SchedulesNotEnabled)|BackDashup|BackUpConfiguration|Backupdr\w*backupconfiguration)/.test(id)).sort()).toEqual(['ConfigBucket', 'ConfigBucketPolicy']);
    expect(JSON.stringify(secondary)).not.toContain('back-up-configuration');
    // Nothing grants or replicates to the primary's bucket; only the dashboard draws its storage (S3's metrics, read in the primary).
    const granting = Object.values(secondary.Resources).filter((r) => r.Type !== 'AWS::CloudWatch::Dashboard');
    expect(JSON.stringify(granting)).not.toContain(configBucketName(PRIMARY));
  });
});

// ---- the validation network ---------------------------------------------------------------------------------

describe('validate-restore, capture-db-manifest, capture-cache-manifest and validate-cache-restore in the VPC', () => {
  it('primary (packaged with the validation parameters): they run in the given subnets and security groups with the VPC access policy', () => {
    const ids = lambdas(primary);
    for (const [fn, { resource }] of ids) {
      const inVpc = ['validate-restore', 'capture-db-manifest', 'capture-cache-manifest', 'validate-cache-restore', 'database-recovery-copy'].includes(fn);
      expect(props(resource).VpcConfig, fn).toEqual(inVpc ? { SubnetIds: VALIDATION_SUBNETS, SecurityGroupIds: VALIDATION_SECURITY_GROUPS } : undefined);
      const roleId = (props(resource).Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
      const managed = JSON.stringify(props(primary.Resources[roleId]).ManagedPolicyArns ?? []);
      expect(managed.includes('AWSLambdaVPCAccessExecutionRole'), fn).toBe(inVpc);
    }
    expect(props(ids.get('validate-restore')!.resource)).toMatchObject({ Timeout: 900, MemorySize: 512 });
    expect(props(ids.get('validate-cache-restore')!.resource)).toMatchObject({ Timeout: 900, MemorySize: 512 });
    expect(primaryRun.output).not.toContain('WITHOUT a VPC');
  });

  it('primary (network.egress "endpoints"): they reach S3 through a gateway endpoint and RDS, ElastiCache (the policy has caches), Secrets Manager, SNS, KMS through interface endpoints, over 443 from their security groups', () => {
    const endpoints = ofType(primary, 'AWS::EC2::VPCEndpoint').map(([, r]) => props(r));
    expect(endpoints.map((e) => e.ServiceName['Fn::Sub']).sort()).toEqual(['elasticache', 'kms', 'rds', 's3', 'secretsmanager', 'sns'].map((x) => `com.amazonaws.\${AWS::Region}.${x}`));
    for (const endpoint of endpoints) {
      expect(endpoint.VpcId).toBe(VALIDATION_VPC);
      if (endpoint.VpcEndpointType === 'Gateway') expect(endpoint.RouteTableIds).toEqual(VALIDATION_ROUTE_TABLES);
      else expect(endpoint).toMatchObject({ VpcEndpointType: 'Interface', SubnetIds: VALIDATION_SUBNETS, PrivateDnsEnabled: true, SecurityGroupIds: [{ Ref: 'ApiEndpointSecurityGroup' }] });
    }
    expect(props(primary.Resources.ApiEndpointSecurityGroup).SecurityGroupIngress).toEqual(
      VALIDATION_SECURITY_GROUPS.map((sg) => expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, SourceSecurityGroupId: sg })),
    );
  });

  it('secondary (packaged without them): no VPC configuration, no endpoints, and packaging says so', () => {
    for (const [fn, { resource }] of lambdas(secondary)) expect(props(resource).VpcConfig, fn).toBeUndefined();
    expect(ofType(secondary, 'AWS::EC2::VPCEndpoint')).toEqual([]);
    expect(secondaryRun.output).toContain('validate-restore and capture-db-manifest are packaged WITHOUT a VPC');
    expect(secondaryRun.output).toContain('--param="validationSubnets=');
  });
});

// ---- state machines --------------------------------------------------------------------------------------

// The definitions as state-machines/rds/restore-test.ts makes them for the policy (Lambdas as Fn::GetAtt).
// …and as state-machines/redis/restore-test.ts makes the cache restore test's, state-machines/media/restore-prefix.ts the media restore's.
const ASL = {
  'restore-test': restoreTestDefinition(RESTORE_TEST_MACHINES['restore-test'], policy),
  'pitr-test': restoreTestDefinition(RESTORE_TEST_MACHINES['pitr-test'], policy),
  'cache-restore-test': cacheRestoreTestDefinition(policy),
  'media-restore': mediaRestoreDefinition(),
};
const MACHINE_ID = {
  'restore-test': 'RestoreTestStateMachine',
  'pitr-test': 'PitrTestStateMachine',
  'cache-restore-test': 'CacheRestoreTestStateMachine',
  'media-restore': 'MediaRestoreStateMachine',
} as const;
const MACHINE_STEPS = { 'restore-test': STEP_FUNCTIONS, 'pitr-test': STEP_FUNCTIONS, 'cache-restore-test': CACHE_STEP_FUNCTIONS, 'media-restore': MEDIA_STEP_FUNCTIONS, 'restore-configuration': CONFIG_STEP_FUNCTIONS } as const;
const kebab = (camel: string) => camel.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function stateMachineSchedules(t: Template, id: string) {
  return ofType(t, 'AWS::Scheduler::Schedule')
    .map(([, r]) => props(r))
    .filter((s) => s.Target.Arn.Ref === id);
}

describe('state machines', () => {
  it('the primary has the restore test, the cache restore test and the media restore (where the media buckets are); the secondary the PITR test and both restore tests (for restores from its copies while the primary is down); both the configuration restore (each into its own region)', () => {
    const names = (t: Template) => ofType(t, 'AWS::StepFunctions::StateMachine').map(([id, r]) => [id, props(r).StateMachineName as string]).sort();
    expect(names(primary)).toEqual([
      ['ApplicationRecoveryStateMachine', `backup-dr-${STAGE}-application-recovery`],
      ['CacheRestoreTestStateMachine', `backup-dr-${STAGE}-cache-restore-test`],
      ['ConfigRestoreStateMachine', `backup-dr-${STAGE}-restore-configuration`],
      ['DatabaseRecoveryStateMachine', `backup-dr-${STAGE}-database-recovery`],
      ['MediaRestoreStateMachine', `backup-dr-${STAGE}-media-restore`],
      ['RedisRecoveryStateMachine', `backup-dr-${STAGE}-redis-recovery`],
      ['RestoreTestStateMachine', `backup-dr-${STAGE}-restore-test`],
    ]);
    expect(names(secondary)).toEqual([
      ['CacheRestoreTestStateMachine', `backup-dr-${STAGE}-cache-restore-test`],
      ['ConfigRestoreStateMachine', `backup-dr-${STAGE}-restore-configuration`],
      ['PitrTestStateMachine', `backup-dr-${STAGE}-pitr-test`],
      ['RegionFailoverStateMachine', `backup-dr-${STAGE}-region-failover`],
      ['RestoreTestStateMachine', `backup-dr-${STAGE}-restore-test`],
    ]);
  });

  describe.each([
    ['primary', () => primary, 'restore-test'],
    ['secondary', () => secondary, 'restore-test'],
    ['secondary', () => secondary, 'pitr-test'],
    ['primary', () => primary, 'cache-restore-test'],
    ['secondary', () => secondary, 'cache-restore-test'],
    ['primary', () => primary, 'media-restore'],
  ] as const)('%s %s', (_role, template, name) => {
    const id = MACHINE_ID[name];
    const machine = () => props(template().Resources[id]);

    it("has a DefinitionString whose every Task invokes this region's Lambda the ASL names", () => {
      const [text, params] = machine().DefinitionString['Fn::Sub'] as [string, Record<string, unknown>];
      const packaged = JSON.parse(text) as { States: Record<string, { Type: string; Resource?: string }> };
      const ids = lambdas(template());
      const tasks = Object.entries(ASL[name].States).filter(([, state]) => state.Resource !== undefined);
      // Every step of the machine is invoked by at least one Task, and no Task invokes anything else.
      const invoked = tasks.map(([, state]) => kebab((state.Resource as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]));
      expect([...new Set(invoked)].sort()).toEqual([...MACHINE_STEPS[name]].sort());
      for (const [stateName, state] of tasks) {
        const [aslName] = (state.Resource as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
        const placeholder = /^\$\{(\w+)\}$/.exec(String(packaged.States[stateName]?.Resource));
        expect(placeholder, stateName).not.toBeNull();
        const lambda = ids.get(kebab(aslName));
        expect(lambda, `${stateName}: ${aslName}`).toBeDefined();
        expect(params[placeholder![1]!], stateName).toEqual(getAtt(lambda!.logicalId));
      }
      // The rest of the definition is the ASL file's.
      expect(Object.keys(packaged.States).sort()).toEqual(Object.keys(ASL[name].States).sort());
      // …as made for this kind of test and bounded by the policy's restore timeouts: apart from the Lambda
      // references (and the QueryLanguage default serverless-step-functions writes on each state), the
      // packaged definition is exactly restoreTestDefinition's.
      const withoutResources = (definition: unknown) =>
        JSON.parse(JSON.stringify(definition, (key, value: unknown) => (key === 'Resource' ? '<lambda>' : key === 'QueryLanguage' ? undefined : value))) as Record<string, unknown>;
      expect(withoutResources(packaged)).toEqual(withoutResources(ASL[name]));
    });

    it('runs with a role of its own that may invoke exactly its Lambdas (and deliver its logs)', () => {
      expect(machine().RoleArn).toEqual(getAtt(`${id}Role`));
      const role = props(template().Resources[`${id}Role`]);
      expect(role.AssumeRolePolicyDocument.Statement).toEqual([
        { Effect: 'Allow', Principal: { Service: 'states.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } },
      ]);
      const statements = (role.Policies as { PolicyDocument: { Statement: PolicyStatement[] } }[]).flatMap((p) => p.PolicyDocument.Statement);
      const invoke = statements.filter((s) => actions(s).some((a) => a.startsWith('lambda:')));
      expect(invoke).toHaveLength(1);
      expect(actions(invoke[0]!)).toEqual(['lambda:InvokeFunction']);
      const ids = lambdas(template());
      expect(resources(invoke[0]!).map((r) => JSON.stringify(r)).sort()).toEqual(MACHINE_STEPS[name].map((fn) => JSON.stringify(getAtt(ids.get(fn)!.logicalId))).sort());
      for (const s of statements.filter((x) => x !== invoke[0])) expect(actions(s).every((a) => a.startsWith('logs:') && /Deliver|ResourcePolic|DescribeLogGroups/.test(a))).toBe(true);
    });

    it('logs errors without execution data to its own log group, with tracing off', () => {
      expect(machine().LoggingConfiguration).toEqual({
        Level: 'ERROR',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: getAtt(`${id}LogGroup`) } }],
      });
      expect(props(template().Resources[`${id}LogGroup`])).toEqual({ LogGroupName: `/aws/vendedlogs/states/backup-dr-${STAGE}-${name}`, RetentionInDays: 90 });
      expect(machine().TracingConfiguration).toEqual({ Enabled: false });
    });
  });

  it('schedules the restore test of each database where its restoreTest.region says (the primary), weekly in Asia/Tokyo', () => {
    const db = policy.resources.databases[0]!;
    const schedules = stateMachineSchedules(primary, 'RestoreTestStateMachine');
    expect(schedules).toHaveLength(1);
    expect(schedules[0]).toMatchObject({ ScheduleExpression: db.restoreTest!.schedule, ScheduleExpressionTimezone: 'Asia/Tokyo', FlexibleTimeWindow: { Mode: 'OFF' } });
    expect(schedules[0]!.ScheduleExpression).toBe('cron(0 4 ? * SUN *)');
    expect(JSON.parse(String(schedules[0]!.Target.Input))).toEqual({ resource: 'app-db' });
    expect(schedules[0]!.Target.RoleArn).toEqual(getAtt('SchedulerStartExecutionRole'));
    expect(stateMachineSchedules(secondary, 'RestoreTestStateMachine')).toEqual([]);
  });

  it('schedules the cache restore test of each cache where its restoreTest.region says (the primary), weekly in Asia/Tokyo, and never in the secondary', () => {
    const cache = policy.resources.caches[0]!;
    expect(cache.restoreTest?.region).toBe('primary');
    const schedules = stateMachineSchedules(primary, 'CacheRestoreTestStateMachine');
    expect(schedules).toHaveLength(1);
    expect(schedules[0]).toMatchObject({ ScheduleExpression: cache.restoreTest!.schedule, ScheduleExpressionTimezone: 'Asia/Tokyo', FlexibleTimeWindow: { Mode: 'OFF' } });
    expect(schedules[0]!.ScheduleExpression).toBe('cron(0 5 ? * SUN *)');
    expect(JSON.parse(String(schedules[0]!.Target.Input))).toEqual({ resource: 'app-redis' });
    expect(schedules[0]!.Target.RoleArn).toEqual(getAtt('SchedulerStartExecutionRole'));
    expect(stateMachineSchedules(secondary, 'CacheRestoreTestStateMachine')).toEqual([]);
  });

  it('bounds the cache restore test by the policy: the group wait and the teardown retry long enough for restoreTest.timeout', () => {
    const states = ASL['cache-restore-test'].States;
    const retry = (state: string, error: string) => states[state]!.Retry!.find((r) => r.ErrorEquals.includes(error))!;
    // restoreTest.timeout 1h, polled every minute (and a few more attempts for the status step to time out itself).
    expect(retry('Wait for group', 'CacheRestoreNotReady')).toMatchObject({ IntervalSeconds: 60, BackoffRate: 1, MaxAttempts: 65 });
    expect(retry('Teardown', 'CacheTeardownNotReady')).toMatchObject({ IntervalSeconds: 60, BackoffRate: 1, MaxAttempts: 60 });
    const packaged = JSON.parse((props(primary.Resources.CacheRestoreTestStateMachine).DefinitionString['Fn::Sub'] as [string])[0]) as { TimeoutSeconds: number };
    expect(packaged.TimeoutSeconds).toBe(ASL['cache-restore-test'].TimeoutSeconds);
    expect(packaged.TimeoutSeconds).toBeGreaterThan(2 * 3600);
  });

  it('never schedules the media restore (an operator starts it), in either region; the Scheduler may not start it', () => {
    expect(stateMachineSchedules(primary, 'MediaRestoreStateMachine')).toEqual([]);
    expect(stateMachineSchedules(secondary, 'MediaRestoreStateMachine')).toEqual([]);
    const start = (props(primary.Resources.SchedulerStartExecutionRole).Policies as { PolicyDocument: { Statement: PolicyStatement[] } }[]).flatMap((p) => p.PolicyDocument.Statement);
    expect(JSON.stringify(start)).not.toContain('MediaRestoreStateMachine');
    // Only in the primary, where the media buckets are (it reads the replicas across regions).
    for (const id of ['MediaRestoreStateMachine', 'MediaRestoreStateMachineRole', 'MediaRestoreStateMachineLogGroup']) {
      expect(primary.Resources[id], id).toBeDefined();
      expect(secondary.Resources[id], id).toBeUndefined();
    }
  });

  it('walks the media prefix again every hour while archived versions are being restored, for as long as the pass allows (MAX_PASSES), within the timeout', () => {
    const packaged = JSON.parse((props(primary.Resources.MediaRestoreStateMachine).DefinitionString['Fn::Sub'] as [string])[0]) as {
      TimeoutSeconds: number;
      States: Record<string, { Type: string; Seconds?: number; Next?: string; TimeoutSeconds?: number }>;
    };
    expect(packaged.States['Wait for archive restores']).toMatchObject({ Type: 'Wait', Seconds: 3600, Next: 'Restore a page' });
    expect(packaged.TimeoutSeconds).toBe(345_600);
    expect(packaged.TimeoutSeconds).toBe(ASL['media-restore'].TimeoutSeconds);
    // MAX_PASSES passes an hour apart (the pass gives up after them) fit inside the execution's timeout.
    expect(packaged.TimeoutSeconds).toBeGreaterThan(MAX_PASSES * 3600);
    // A page is given at least the pass function's own time.
    const passTimeout = props(lambdas(primary).get('media-restore-pass')!.resource).Timeout as number;
    expect(packaged.States['Restore a page']!.TimeoutSeconds).toBeGreaterThanOrEqual(passTimeout);
  });

  it('schedules the PITR test monthly in the secondary, in Asia/Tokyo', () => {
    const schedules = stateMachineSchedules(secondary, 'PitrTestStateMachine');
    expect(schedules).toHaveLength(1);
    expect(schedules[0]).toMatchObject({ ScheduleExpression: 'cron(0 5 1 * ? *)', ScheduleExpressionTimezone: 'Asia/Tokyo' });
    expect(JSON.parse(String(schedules[0]!.Target.Input))).toEqual({ resource: 'app-db' });
    expect(schedules[0]!.Target.RoleArn).toEqual(getAtt('SchedulerStartExecutionRole'));
  });

  it.each([
    // The cache restore test is scheduled in the primary only (restoreTest.region), the PITR test in the secondary.
    ['primary', () => primary, ['RestoreTestStateMachine', 'CacheRestoreTestStateMachine']],
    // …and the secondary the monthly failover rehearsal.
    ['secondary', () => secondary, ['RegionFailoverStateMachine', 'PitrTestStateMachine']],
  ] as const)("%s: the state machines' schedules assume a role that may start exactly the scheduled state machines", (_role, template, scheduled) => {
    const role = props(template().Resources.SchedulerStartExecutionRole);
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'scheduler.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } },
    ]);
    const statements = (role.Policies as { PolicyDocument: { Statement: PolicyStatement[] } }[]).flatMap((p) => p.PolicyDocument.Statement);
    expect(statements[0]).toEqual({ Effect: 'Allow', Action: ['states:StartExecution'], Resource: scheduled.map((id) => ({ Ref: id })) });
    // …and send what it could not start to the schedule DLQ (its key only through SQS).
    expect(statements.slice(1).map((s) => [actions(s), resources(s), s.Condition ?? null])).toEqual([
      [['sqs:SendMessage'], [getAtt('ScheduleDeadLetterQueue')], null],
      [['kms:GenerateDataKey', 'kms:Decrypt'], [getAtt('ServiceKey')], { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'sqs.${AWS::Region}.amazonaws.com' } } }],
    ]);
    // The plugin's own schedule roles (no account condition) are not generated.
    expect(Object.keys(template().Resources).filter((id) => id.endsWith('ScheduleToStepFunctionsRole'))).toEqual([]);
  });

  it.each([
    // Every state machine of the region, scheduled or not (a test or a media restore started by hand alerts too).
    ['primary', () => primary, ['ApplicationRecoveryStateMachine', 'RestoreTestStateMachine', 'DatabaseRecoveryStateMachine', 'CacheRestoreTestStateMachine', 'RedisRecoveryStateMachine', 'MediaRestoreStateMachine', 'ConfigRestoreStateMachine']],
    ['secondary', () => secondary, ['RegionFailoverStateMachine', 'RestoreTestStateMachine', 'PitrTestStateMachine', 'CacheRestoreTestStateMachine', 'ConfigRestoreStateMachine']],
  ] as const)('%s: a FAILED, TIMED_OUT or ABORTED execution reaches the alerts topic as a readable message', (_role, template, machines) => {
    const rules = ofType(template(), 'AWS::Events::Rule')
      .map(([, r]) => props(r))
      .filter((rule) => rule.EventPattern?.source?.includes('aws.states'));
    expect(rules).toHaveLength(1);
    const rule = rules[0]!;
    expect(rule.State).toBe('ENABLED');
    expect(rule.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: machines.map((id) => ({ Ref: id })) },
    });
    expect(rule.Targets).toHaveLength(1);
    const target = rule.Targets[0];
    expect(target.Arn).toEqual({ Ref: 'AlertsTopic' });
    expect(target.InputTransformer.InputPathsMap).toMatchObject({ status: '$.detail.status', execution: '$.detail.name', stateMachine: '$.detail.stateMachineArn' });
    const message = JSON.parse(String(target.InputTransformer.InputTemplate)) as string; // a JSON string: SNS gets plain text
    for (const placeholder of ['<status>', '<execution>', '<stateMachine>', '<region>', '<time>']) expect(message).toContain(placeholder);
    // The topic lets EventBridge publish, and the key lets it encrypt (neither with source conditions,
    // which EventBridge does not support for an encrypted topic).
    expect(props(template().Resources.AlertsTopicPolicy).PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sns:Publish' }),
    );
    const keyStatement = (props(template().Resources.ServiceKey).KeyPolicy.Statement as PolicyStatement[]).find((st) => JSON.stringify(st.Principal).includes('events.amazonaws.com'));
    expect(keyStatement).toMatchObject({ Effect: 'Allow', Action: ['kms:GenerateDataKey*', 'kms:Decrypt'] });
    expect(keyStatement).not.toHaveProperty('Condition');
    // If it still cannot deliver, the notice is kept in the rule DLQ, which alarms.
    expect(target.DeadLetterConfig).toEqual({ Arn: getAtt('RuleDeadLetterQueue') });
  });
});

// ---- the reports bucket ------------------------------------------------------------------------------------

describe.each([
  ['primary', () => primary, PRIMARY],
  ['secondary', () => secondary, SECONDARY],
] as const)('the %s reports bucket', (_role, template, region) => {
  const bucket = () => template().Resources.ReportsBucket!;

  it('is named deterministically, versioned, SSE-KMS with the service key (bucket key), private, owner-enforced and retained', () => {
    expect(bucket().Type).toBe('AWS::S3::Bucket');
    expect(bucket().DeletionPolicy).toBe('Retain');
    expect(props(bucket())).toMatchObject({
      BucketName: { 'Fn::Sub': bucketName(region) },
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: getAtt('ServiceKey') }, BucketKeyEnabled: true }],
      },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    expect(template().Outputs?.ReportsBucketName?.Value).toEqual({ Ref: 'ReportsBucket' });
  });

  it('keeps evidence, validation reports and media-restore listings 5 years (Glacier after 365 days, current and noncurrent), manifests and replication checks 400 days, the Slack fold state\'s old versions a day, escalation and approval records a month, endpoint switch records 400 days', () => {
    const rules = props(bucket()).LifecycleConfiguration.Rules as Record<string, any>[];
    for (const prefix of ['evidence/', 'validation/', 'media-restores/']) {
      expect(rules.find((r) => r.Prefix === prefix), prefix).toMatchObject({
        Status: 'Enabled',
        Transitions: [{ StorageClass: 'GLACIER', TransitionInDays: 365 }],
        ExpirationInDays: 1825,
        NoncurrentVersionTransitions: [{ StorageClass: 'GLACIER', TransitionInDays: 365 }],
        NoncurrentVersionExpiration: { NoncurrentDays: 1825 },
      });
    }
    const manifests = rules.find((r) => r.Prefix === 'manifests/');
    expect(manifests).toMatchObject({ Status: 'Enabled', ExpirationInDays: 400 });
    expect(manifests!.NoncurrentVersionExpiration.NoncurrentDays).toBeLessThanOrEqual(400);
    // The media replication check's reports 400 days; its state, rewritten daily, keeps old versions briefly.
    expect(rules.find((r) => r.Prefix === 'replication/')).toMatchObject({ Status: 'Enabled', ExpirationInDays: 400, NoncurrentVersionExpiration: { NoncurrentDays: 30 } });
    // The Slack notifier's fold state: current versions stay (no delete markers under its conditional writes), replaced ones go after a day.
    expect(rules.find((r) => r.Prefix === 'slack-folds/')).toEqual({ Id: 'slack-fold-state-old-versions', Status: 'Enabled', Prefix: 'slack-folds/', NoncurrentVersionExpiration: { NoncurrentDays: 1 } });
    // The posture checks' memory: current versions stay, replaced ones go after a week.
    expect(rules.find((r) => r.Prefix === 'posture/')).toEqual({ Id: 'posture-memory-old-versions', Status: 'Enabled', Prefix: 'posture/', NoncurrentVersionExpiration: { NoncurrentDays: 7 } });
    // The delayed escalation's record of each incident: needed only while its executions run.
    expect(rules.find((r) => r.Prefix === 'escalations/')).toEqual({ Id: 'escalation-records-30-days', Status: 'Enabled', Prefix: 'escalations/', ExpirationInDays: 30, NoncurrentVersionExpiration: { NoncurrentDays: 1 } });
    // The failover readiness report and the primary watch's state: the current stay, a month of old versions is the history.
    expect(rules.find((r) => r.Prefix === 'readiness/')).toEqual({ Id: 'readiness-old-versions', Status: 'Enabled', Prefix: 'readiness/', NoncurrentVersionExpiration: { NoncurrentDays: 30 } });
    // The recovery runbooks' approval records (a task token is useless after recovery.approvalTimeout, 7 d at most) and switch-endpoint's undo records.
    expect(rules.find((r) => r.Prefix === 'approvals/')).toEqual({ Id: 'approval-records-30-days', Status: 'Enabled', Prefix: 'approvals/', ExpirationInDays: 30, NoncurrentVersionExpiration: { NoncurrentDays: 1 } });
    expect(rules.find((r) => r.Prefix === 'endpoints/')).toEqual({ Id: 'endpoint-records-400-days', Status: 'Enabled', Prefix: 'endpoints/', ExpirationInDays: 400, NoncurrentVersionExpiration: { NoncurrentDays: 30 } });
    expect(rules).toHaveLength(11);
  });

  it('refuses any request without TLS', () => {
    const policyResource = template().Resources.ReportsBucketPolicy!;
    expect(props(policyResource).Bucket).toEqual({ Ref: 'ReportsBucket' });
    expect(props(policyResource).PolicyDocument.Statement).toEqual([
      {
        Sid: 'DenyWithoutTls',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [getAtt('ReportsBucket'), { 'Fn::Sub': '${ReportsBucket.Arn}/*' }],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ]);
  });
});

// ---- failures that must not go unnoticed -------------------------------------------------------------------

describe.each([
  ['primary', () => primary],
  ['secondary', () => secondary],
] as const)('the %s deployment notices failed triggers and functions', (_role, template) => {
  it('gives every Scheduler schedule (functions and state machines) a dead-letter queue and a retry policy', () => {
    const schedules = ofType(template(), 'AWS::Scheduler::Schedule');
    expect(schedules.length).toBeGreaterThan(0);
    for (const [id, schedule] of schedules) {
      expect(props(schedule).Target.DeadLetterConfig, id).toEqual({ Arn: getAtt('ScheduleDeadLetterQueue') });
      expect(props(schedule).Target.RetryPolicy, id).toEqual({ MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 });
    }
  });

  it('gives every EventBridge rule target a dead-letter queue and a retry policy, and the DLQ accepts exactly those rules', () => {
    const rules = ofType(template(), 'AWS::Events::Rule');
    expect(rules.length).toBeGreaterThan(0);
    for (const [id, rule] of rules) {
      for (const target of props(rule).Targets as Record<string, any>[]) {
        expect(target.DeadLetterConfig, id).toEqual({ Arn: getAtt('RuleDeadLetterQueue') });
        expect(target.RetryPolicy, id).toEqual(expect.objectContaining({ MaximumRetryAttempts: expect.any(Number), MaximumEventAgeInSeconds: expect.any(Number) }));
        expect(target.RoleArn, id).toBeUndefined();
      }
    }
    const statement = (props(template().Resources.RuleDeadLetterQueuePolicy).PolicyDocument.Statement as PolicyStatement[]).find((s) => s.Effect === 'Allow')!;
    const senders = (statement.Condition!.ArnEquals!['aws:SourceArn'] as { 'Fn::GetAtt': [string, string] }[]).map((a) => a['Fn::GetAtt'][0]);
    expect(senders.sort()).toEqual(rules.map(([id]) => id).sort());
  });

  it('encrypts every queue with the service key and alarms on its first message; alarms on every function', () => {
    const t = template();
    const queues = ofType(t, 'AWS::SQS::Queue');
    expect(queues.map(([id]) => id).sort()).toEqual(['AsyncFailureQueue', 'RuleDeadLetterQueue', 'ScheduleDeadLetterQueue']);
    const alarms = ofType(t, 'AWS::CloudWatch::Alarm').map(([, r]) => props(r));
    for (const [id, queue] of queues) {
      expect(props(queue).KmsMasterKeyId, id).toEqual({ Ref: 'ServiceKey' });
      expect(alarms.filter((a) => JSON.stringify(a.Dimensions ?? []).includes(`"${id}"`) && a.MetricName === 'ApproximateNumberOfMessagesVisible'), id).toHaveLength(1);
    }
    for (const [fn, { logicalId }] of lambdas(t)) {
      const of = (metric: string) => alarms.filter((a) => a.MetricName === metric && JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: 'FunctionName', Value: { Ref: logicalId } }]));
      expect(of('Throttles'), fn).toHaveLength(1);
      // The steps whose "not ready yet" errors the state machine retries by design have no Errors alarm.
      expect(of('Errors'), fn).toHaveLength(['restore-test-status', 'restore-test-teardown', 'cache-restore-test-status', 'cache-restore-test-teardown', 'check-endpoint-change', 'database-recovery-teardown', 'cache-recovery-teardown', 'failover-db-status', 'failover-config-restore', 'application-recovery-poll', 'application-recovery-health'].includes(fn) ? 0 : 1);
    }
    for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([{ Ref: 'AlertsTopic' }]);
  });
});

describe('manifest replication', () => {
  it("the primary replicates manifests/ to the secondary's reports bucket with its replication role; the secondary replicates nothing", () => {
    const replication = props(primary.Resources.ReportsBucket).ReplicationConfiguration;
    expect(replication.Role).toEqual(getAtt('ManifestReplicationRole'));
    expect(replication.Rules).toEqual([
      expect.objectContaining({
        Filter: { Prefix: 'manifests/' },
        SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
        Destination: {
          Bucket: { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucketName(SECONDARY)}` },
          EncryptionConfiguration: { ReplicaKmsKeyID: { 'Fn::Sub': `arn:\${AWS::Partition}:kms:${SECONDARY}:\${AWS::AccountId}:alias/backup-dr-${STAGE}` } },
        },
      }),
    ]);
    expect(props(secondary.Resources.ReportsBucket).ReplicationConfiguration).toBeUndefined();
  });
});

// ---- the bundles --------------------------------------------------------------------------------------------

describe('function packages', () => {
  const PACKAGES = [
    ['primary', () => DEFAULT_PACKAGE_DIR, PRIMARY],
    ['secondary', () => SECONDARY_DIR, SECONDARY],
  ] as const;
  /** Every packaged function of both regions with its zip's files (prune-db-snapshots and a few others are in both). */
  const zips = () => PACKAGES.flatMap(([role, dir]) => packagedFunctions(dir()).map((fn) => ({ role, fn, files: readZip(fn.zip) })));
  const bundleFile = (fn: PackagedFunction, files: Map<string, Buffer>) => files.get(`${fn.handler.slice(0, fn.handler.lastIndexOf('.'))}.mjs`) ?? Buffer.alloc(0);
  const bundleOf = (fn: PackagedFunction, files: Map<string, Buffer>) => bundleFile(fn, files).toString('utf8');

  it.each(PACKAGES)('%s: each zip holds its bundle and the policy as JSON, and its handler loads without calling AWS', (_role, dir, region) => {
    const functions = packagedFunctions(dir());
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      const root = mkdtempSync(join(scratch, `${fn.name}-`));
      const files = extractZip(fn.zip, root);
      expect(fn.environment.POLICY_FILE, fn.name).toBe(PACKAGED_POLICY);
      // Only the bundle and the policy: no node_modules, no sources, no tests, not the YAML.
      expect(files, fn.name).toEqual([PACKAGED_POLICY, `${fn.handler.slice(0, fn.handler.lastIndexOf('.'))}.mjs`].sort());
      // The JSON reads back, the way the Lambda reads it, as the policy packaging validated.
      expect(parsePolicyJson(readFileSync(join(root, PACKAGED_POLICY), 'utf8'), PACKAGED_POLICY), `${fn.name}: packaged policy`).toEqual(policy);
      expect(fn.handler, fn.name).toBe(`functions/${COMPONENT_OF[fn.name] ?? 'rds'}/${fn.name}/handler.handler`);
      const { file, exportName } = handlerModule(fn.handler, files);
      const loaded = loadHandler(root, file, exportName, { ...lambdaEnvironment(fn, region), AWS_REGION: region });
      expect(loaded.handlerType, fn.name).toBe('function');
      expect(loaded.connections, `${fn.name} connected at import`).toEqual([]);
    }
    // Some 50 bundles unzipped and loaded: over 30 s on a busy two-core machine.
  }, 120_000);

  it('keeps every bundle, and so every zip, at most 700 KB', () => {
    const over = zips()
      .flatMap(({ role, fn, files }) => [[`${role} ${fn.name} bundle`, bundleFile(fn, files).length] as const, [`${role} ${fn.name}.zip`, readFileSync(fn.zip).length] as const])
      .filter(([name, bytes]) => bytes === 0 || bytes > (BUNDLE_BUDGET_OF[name.split(' ')[1]!.replace(/\.zip$/, '')] ?? BUNDLE_BUDGET));
    expect(over).toEqual([]);
  });

  it('bundles no YAML parser anywhere, the Lambda environment\'s credentials instead of the SDK default chain (wherever a client is), and pg only where SQL runs (capture-db-manifest, validate-restore, database-recovery-copy)', () => {
    for (const { role, fn, files } of zips()) {
      const bundle = bundleOf(fn, files);
      const carries = (name: keyof typeof PACKAGE_MARKERS) => PACKAGE_MARKERS[name].markers.some((marker) => bundle.includes(marker));
      expect(carries('yaml'), `${role} ${fn.name} bundles yaml`).toBe(false);
      expect(carries('credential chain'), `${role} ${fn.name} bundles the SDK default credential chain`).toBe(false);
      // Wherever an SDK client is bundled (media-restore-plan, pure, bundles none, and so no credentials either).
      expect(bundle.includes(LAMBDA_CREDENTIALS_MARKER), `${role} ${fn.name}: shared/aws/lambda-credentials.ts`).toBe((SDK_CLIENTS[fn.name] ?? []).length > 0);
      expect(carries('pg'), `${role} ${fn.name} bundles pg`).toBe(SQL_FUNCTIONS.includes(fn.name));
    }
  });

  it('bundles ioredis only where a cache is read, and there without its Cluster client (a stand-in that throws)', () => {
    for (const { fn, files } of zips()) {
      const bundle = bundleOf(fn, files);
      const withRedis = bundle.includes('ioredis Cluster is not in this bundle');
      expect(withRedis, fn.name).toBe(REDIS_FUNCTIONS.includes(fn.name));
      expect(bundle.includes('ClusterSubscriberGroup'), fn.name).toBe(false);
    }
  });

  it('bundles in each function exactly the AWS SDK clients it calls', () => {
    for (const { role, fn, files } of zips()) {
      const bundle = bundleOf(fn, files);
      const clients = Object.entries(CLIENT_MARKERS).filter(([, marker]) => bundle.includes(marker)).map(([client]) => client);
      expect(clients, `${role} ${fn.name}`).toEqual(SDK_CLIENTS[fn.name]);
    }
  });

  it('recognises those packages by strings of their own', () => {
    const sources = (dir: string): string[] =>
      readdirSync(join(SERVICE_DIR, dir), { recursive: true, encoding: 'utf8' })
        .filter((file) => /\.(c|m)?js$/.test(file))
        .map((file) => readFileSync(join(SERVICE_DIR, dir, file), 'utf8'));
    for (const [name, { dir, markers }] of Object.entries(PACKAGE_MARKERS)) {
      const texts = sources(dir);
      for (const marker of markers) expect(texts.some((text) => text.includes(marker)), `${name}: ${marker}`).toBe(true);
    }
  });
});

const BUNDLE_BUDGET = 700 * 1024;
/**
 * Larger by design: the failover readiness check bundles the EC2 client (one model of some 700 operations)
 * for DescribeSecurityGroups — a daily check, where a slower cold start costs nothing.
 */
const BUNDLE_BUDGET_OF: Readonly<Record<string, number>> = { 'check-failover-readiness': 1400 * 1024 };
/** Where a cache is read (the source's manifest, the restored group's data): the only functions that may bundle ioredis. */
const REDIS_FUNCTIONS: readonly string[] = ['capture-cache-manifest', 'validate-cache-restore'];
/** Where SQL runs: the only functions that may bundle pg. */
const SQL_FUNCTIONS: readonly string[] = ['capture-db-manifest', 'validate-restore', 'database-recovery-copy'];
/**
 * A package is in a minified bundle when strings of its own are (string literals survive minification):
 * each with the package folder the strings come from.
 */
const PACKAGE_MARKERS = {
  yaml: { dir: 'node_modules/yaml/dist', markers: ['tag:yaml.org,2002:', 'YAMLMap'] },
  pg: { dir: 'node_modules/pg/lib', markers: ['SCRAM-SHA-256', 'You cannot reuse a client.'] },
  'credential chain': { dir: 'node_modules/@aws-sdk/credential-provider-node/dist-es', markers: ['Could not load credentials from any providers'] },
} as const;
/** A string of shared/aws/lambda-credentials.ts, bundled in place of the SDK default chain (serverless.yml alias). */
const LAMBDA_CREDENTIALS_MARKER = 'a backup-dr Lambda bundle reads only the credentials Lambda gives its function';
/** An SDK client is in a bundle when its service model is: the Smithy namespace its schemas are declared in. */
const CLIENT_MARKERS = {
  cloudwatch: '"com.amazonaws.cloudwatch"',
  ec2: '"com.amazonaws.ec2"',
  elasticache: '"com.amazonaws.elasticache"',
  kms: '"com.amazonaws.kms"',
  rds: '"com.amazonaws.rds"',
  route53: '"com.amazonaws.route53"',
  s3: '"com.amazonaws.s3"',
  scheduler: '"com.amazonaws.scheduler"',
  'secrets-manager': '"com.amazonaws.secretsmanager"',
  sfn: '"com.amazonaws.sfn"',
  sns: '"com.amazonaws.sns"',
  ssm: '"com.amazonaws.ssm"',
} as const;
/**
 * The clients each function calls, in the order of CLIENT_MARKERS. SNS is the alerts topic: every
 * function but the state-machine steps that never alert. validate-restore calls RDS for live row counts.
 */
const SDK_CLIENTS: Readonly<Record<string, readonly string[]>> = {
  'daily-checklist': ['cloudwatch', 's3', 'secrets-manager', 'sns'],
  // The runbook steps: the approval pair alerts (a refused answer; request-approval's request), the others are steps that never do.
  'request-approval': ['s3', 'sns'],
  'answer-approval': ['s3', 'sfn', 'sns'],
  'set-maintenance-mode': ['ssm'],
  'switch-endpoint': ['route53', 's3', 'ssm'],
  'check-endpoint-change': ['route53'],
  // database-recovery (primary): the plan, restore, retire and teardown steps call RDS; the copy reads the credentials and RDS endpoints (pg does the rest); only notify alerts.
  'database-recovery-plan': ['rds'],
  'database-recovery-restore': ['rds'],
  'database-recovery-copy': ['rds', 'secrets-manager'],
  'database-recovery-teardown': ['rds'],
  'database-recovery-retire': ['rds'],
  'database-recovery-notify': ['sns'],
  // The failover readiness check reads the secondary (its security groups with EC2), the primary watch probes the primary and may start region-failover.
  'check-failover-readiness': ['cloudwatch', 'ec2', 'elasticache', 'kms', 'rds', 's3', 'secrets-manager', 'sns'],
  'watch-primary-region': ['elasticache', 'rds', 's3', 'sfn', 'sns'],
  // region-failover's steps (secondary): assess, progress, notify and report record under runs/ (S3) and notify; the database steps only call RDS, the configuration step Step Functions.
  'failover-assess': ['rds', 's3', 'sns'],
  'failover-progress': ['s3', 'sns'],
  'failover-notify': ['s3', 'sns'],
  'failover-report': ['s3', 'sns'],
  'failover-db-restore': ['rds'],
  'failover-cache-seed': ['elasticache', 'secrets-manager'],
  'failover-db-status': ['rds'],
  'failover-config-restore': ['sfn'],
  // application-recovery (primary): plan reads a database time's restorable window (RDS), health calls no AWS API (health: node:https); the SSM hook's steps SSM; progress and report alert, the report writes its evidence.
  'application-recovery-plan': ['rds'],
  'application-recovery-progress': ['sns'],
  'application-recovery-rollback': ['ssm'],
  'application-recovery-poll': ['ssm'],
  'application-recovery-health': [],
  'application-recovery-report': ['s3', 'sns'],
  'capture-db-manifest': ['rds', 's3', 'secrets-manager', 'sns'],
  'check-db-anomalies': ['rds', 's3', 'sns'],
  'check-db-posture': ['kms', 'rds', 's3', 'sns'],
  'copy-db-snapshots': ['rds', 'sns'],
  janitor: ['elasticache', 'rds', 's3', 'sns'],
  'check-schedules': ['s3', 'scheduler', 'sns'],
  'prune-db-snapshots': ['rds', 'sns'],
  'replicate-db-backups': ['kms', 'rds', 'sns'],
  'restore-test-notify': ['sns'],
  'restore-test-plan': ['rds'],
  'restore-test-record': ['s3'],
  'restore-test-restore': ['rds'],
  'restore-test-status': ['rds'],
  'restore-test-teardown': ['rds'],
  'take-cache-snapshot': ['elasticache', 'sns'],
  'export-cache-snapshots': ['elasticache', 's3', 'sns'],
  'verify-cache-exports': ['s3', 'sns'],
  'prune-cache-backups': ['elasticache', 's3', 'sns'],
  'check-cache-posture': ['elasticache', 's3', 'sns'],
  'capture-cache-manifest': ['elasticache', 's3', 'secrets-manager', 'sns'],
  // The cache restore test's steps: only notify alerts.
  'cache-restore-test-plan': ['elasticache', 's3'],
  'cache-restore-test-seed': ['elasticache', 'secrets-manager'],
  'cache-restore-test-status': ['elasticache'],
  'validate-cache-restore': ['s3', 'secrets-manager'],
  'cache-restore-test-teardown': ['elasticache'],
  'cache-restore-test-record': ['s3'],
  'cache-restore-test-notify': ['sns'],
  // redis-recovery's steps (primary): notify also writes the run record.
  'cache-recovery-plan': ['elasticache', 's3'],
  'cache-recovery-seed': ['elasticache', 'secrets-manager'],
  'cache-recovery-teardown': ['elasticache'],
  'cache-recovery-retire': ['elasticache'],
  'cache-recovery-notify': ['s3', 'sns'],
  // The media restore's steps (primary): the plan is pure; the pass and record read and write S3 (the
  // pass in both regions, one client each); only notify alerts.
  'media-restore-plan': [],
  'media-restore-pass': ['s3'],
  'media-restore-record': ['s3'],
  'media-restore-notify': ['sns'],
  // The replication check reads S3 in both regions (one client each) and alerts; the replication-event alert only alerts.
  'verify-media-replication': ['s3', 'sns'],
  'alert-media-replication-failure': ['sns'],
  // The media posture check reads the buckets' settings (S3, per region), describes the expected keys (KMS) and alerts.
  'check-media-posture': ['kms', 's3', 'sns'],
  // The configuration backup reads S3 (HEAD, then the bundle written), the secrets and the parameters, and alerts.
  'back-up-configuration': ['s3', 'secrets-manager', 'sns', 'ssm'],
  'prune-configuration-bundles': ['s3', 'sns'],
  'test-configuration-restore': ['s3', 'secrets-manager', 'sns', 'ssm'],
  // The configuration restore's steps (both regions): plan and batch read the bundle, the parameters and the secrets; record writes S3; only notify alerts.
  'config-restore-plan': ['s3', 'secrets-manager', 'ssm'],
  'config-restore-apply': ['s3', 'secrets-manager', 'ssm'],
  'config-restore-record': ['s3'],
  'config-restore-notify': ['sns'],
  'take-db-snapshot': ['rds', 'sns'],
  'validate-restore': ['rds', 's3', 'secrets-manager'],
  'verify-db-snapshots': ['kms', 'rds', 'sns'],
};

describe('cache export buckets', () => {
  const bucketOf = (t: Template) => props(t.Resources.CacheExportBucket);
  const policyOf = (t: Template) => props(t.Resources.CacheExportBucketPolicy).PolicyDocument.Statement as PolicyStatement[];

  it.each([
    ['primary', () => primary, PRIMARY],
    ['secondary', () => secondary, SECONDARY],
  ] as const)('%s: versioned, SSE-S3 (a seeding .rdb cannot be KMS-encrypted), bucket-owner enforced, no public access, retained, ours', (_role, t, region) => {
    const bucket = bucketOf(t());
    expect(bucket.BucketName).toEqual({ 'Fn::Sub': `backup-dr-exports-${STAGE}-\${AWS::AccountId}-${region}` });
    expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
    expect(bucket.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(bucket.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.Tags).toEqual([{ Key: 'backup-dr:owner', Value: 'backup-dr' }]);
    expect(t().Resources.CacheExportBucket!.DeletionPolicy).toBe('Retain');
    expect(policyOf(t())[0]).toMatchObject({ Sid: 'DenyWithoutTls', Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
  });

  it('primary: ElastiCache may write exports through the bucket policy; the bucket replicates everything to the secondary with Replication Time Control, deletions not', () => {
    const grant = policyOf(primary).find((st) => (st as { Sid?: string }).Sid === 'ElastiCacheWritesExports')!;
    expect(grant.Principal).toEqual({ Service: `${PRIMARY}.elasticache-snapshot.amazonaws.com` });
    expect(actions(grant)).toEqual(['s3:PutObject', 's3:GetObject', 's3:ListBucket', 's3:GetBucketAcl', 's3:ListMultipartUploadParts', 's3:ListBucketMultipartUploads']);
    const [rule] = bucketOf(primary).ReplicationConfiguration.Rules;
    expect(rule).toMatchObject({
      Status: 'Enabled',
      Filter: { Prefix: '' },
      DeleteMarkerReplication: { Status: 'Disabled' },
      Destination: {
        Bucket: { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::backup-dr-exports-${STAGE}-\${AWS::AccountId}-${SECONDARY}` },
        ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } },
        Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 15 } },
      },
    });
    const replicate = (props(primary.Resources.CacheExportReplicationRole).Policies[0].PolicyDocument.Statement as PolicyStatement[]).find((st) => actions(st).includes('s3:ReplicateObject'))!;
    expect(resources(replicate).map(subText)).toEqual([`arn:\${AWS::Partition}:s3:::backup-dr-exports-${STAGE}-\${AWS::AccountId}-${SECONDARY}/*`]);
  });

  it('secondary: ElastiCache may only read (to seed a cluster), and nothing replicates onward', () => {
    const grant = policyOf(secondary).find((st) => (st as { Sid?: string }).Sid === 'ElastiCacheReadsSeeds')!;
    expect(actions(grant)).toEqual(['s3:GetObject', 's3:ListBucket', 's3:GetBucketAcl']);
    expect(bucketOf(secondary).ReplicationConfiguration).toBeUndefined();
    expect(secondary.Resources.CacheExportReplicationRole).toBeUndefined();
  });
});

describe('component alarms, as packaged (both regions)', () => {
  const alarmsOf = (t: Template): Record<string, any>[] => ofType(t, 'AWS::CloudWatch::Alarm').map(([id, r]) => ({ id, ...props(r) }));

  it.each([
    ['primary', () => primary],
    ['secondary', () => secondary],
  ])('%s: every alarm routes to the alerts topic of its own stack', (_role, t) => {
    expect(t().Resources.AlertsTopic?.Type).toBe('AWS::SNS::Topic');
    const alarms = alarmsOf(t());
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) {
      expect(alarm.AlarmActions, alarm.AlarmName).toEqual([{ Ref: 'AlertsTopic' }]);
      // …and so does its return to OK: the resolution the Slack notifier posts.
      expect(alarm.OKActions, alarm.AlarmName).toEqual([{ Ref: 'AlertsTopic' }]);
    }
  });

  it('the freshness alarms treat missing data as breaching — a job that stops running alarms — and they alone do', () => {
    const breaching = (t: Template) => alarmsOf(t).filter((a) => a.TreatMissingData === 'breaching').map((a) => a.AlarmName as string).sort();
    expect(breaching(primary)).toEqual(
      [
        `config-app-config-backup-age-${PRIMARY}`,
        `media-media-replication-verified-${SECONDARY}`,
        `platform-schedules-not-checked-${PRIMARY}`,
        `rds-app-db-verified-copy-age-${SECONDARY}`,
        `redis-app-redis-verified-export-age-${PRIMARY}`,
      ].map((name) => `backup-dr-${STAGE}-${name}`),
    );
    // The secondary adds the failover readiness RPOs (daily) and the primary watch (every 5 minutes): silence is the check stopping.
    expect(breaching(secondary)).toEqual(
      [
        `platform-app-db-failover-rpo-${SECONDARY}`,
        `platform-app-redis-failover-rpo-${SECONDARY}`,
        `platform-primary-region-not-answering-${PRIMARY}`,
        `platform-region-failover-failover-rpo-${SECONDARY}`,
        `platform-schedules-not-checked-${SECONDARY}`,
        `redis-app-redis-verified-export-age-${SECONDARY}`,
      ].map((name) => `backup-dr-${STAGE}-${name}`),
    );
    for (const alarm of alarmsOf(primary).filter((a) => a.TreatMissingData === 'breaching')) {
      expect(alarm, alarm.AlarmName).toMatchObject({ Namespace: 'BackupDR', Period: 3600, EvaluationPeriods: alarm.DatapointsToAlarm });
    }
  });

  it.each([
    ['primary', () => primary],
    ['secondary', () => secondary],
  ])('%s: every packaged state machine has an executions alarm on its own ARN', (_role, t) => {
    const machines = ofType(t(), 'AWS::StepFunctions::StateMachine').map(([id]) => id);
    expect(machines.length).toBeGreaterThan(0);
    for (const id of machines) {
      const found = alarmsOf(t()).filter((a) => JSON.stringify(a.Metrics ?? []).includes(JSON.stringify({ Name: 'StateMachineArn', Value: { Ref: id } })));
      expect(found, id).toHaveLength(1);
    }
  });

  it("primary: the S3 replication alarms name the managed bucket's packaged replication rule, source and replica", () => {
    const [id, bucket] = ofType(primary, 'AWS::S3::Bucket').find(([, r]) => props(r).ReplicationConfiguration !== undefined && JSON.stringify(props(r).ReplicationConfiguration).includes('app-media-replica'))!;
    const rule = (props(bucket).ReplicationConfiguration.Rules as Record<string, any>[]).find((r) => r.Destination?.ReplicationTime !== undefined)!;
    const dimensions = [
      { Name: 'SourceBucket', Value: props(bucket).BucketName },
      { Name: 'DestinationBucket', Value: String(subText(rule.Destination.Bucket)).replace(/^arn:\$\{AWS::Partition\}:s3:::/, '') },
      { Name: 'RuleId', Value: rule.Id },
    ];
    const s3Alarms = alarmsOf(primary).filter((a) => a.Namespace === 'AWS/S3');
    expect(s3Alarms.map((a) => a.MetricName).sort(), id).toEqual(['BytesPendingReplication', 'OperationsFailedReplication', 'ReplicationLatency']);
    for (const alarm of s3Alarms) expect(alarm.Dimensions, alarm.AlarmName).toEqual(dimensions);
    expect(alarmsOf(secondary).filter((a) => a.Namespace === 'AWS/S3')).toEqual([]);
  });
});

describe('the dashboard, packaged (deploy/platform/dashboard.ts; the body is tested in dashboard.test.ts)', () => {
  const dashboardOf = (template: Template) => Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::Dashboard');

  it('both regions that run functions have theirs, named backup-dr-<stage>-<region>, showing every resource of the policy and every alarm; the archive region none', () => {
    for (const [template, region] of [
      [primary, PRIMARY],
      [secondary, SECONDARY],
    ] as const) {
      const dashboards = dashboardOf(template);
      expect(dashboards.map(([id]) => id)).toEqual(['ServiceDashboard']);
      const properties = props(dashboards[0]![1]);
      expect(properties.DashboardName).toBe(`backup-dr-${STAGE}-${region}`);
      const [body, variables] = properties.DashboardBody['Fn::Sub'] as [string, Record<string, { 'Fn::GetAtt': [string, string] }>];
      // Every alarm of the packaged stack, by its ARN; nothing else substituted but the account and partition.
      const alarmIds = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm').map(([id]) => id);
      expect(Object.values(variables).map((v) => v['Fn::GetAtt'][0]).sort()).toEqual(alarmIds.sort());
      const substituted = new Set([...body.matchAll(/\$\{([^!}][^}]*)\}/g)].map((m) => m[1]!));
      expect([...substituted].filter((name) => !(name in variables)).sort()).toEqual(['AWS::AccountId', 'AWS::Partition']);
      const widgets = (JSON.parse(body.replaceAll('${AWS::AccountId}', '123456789012').replaceAll('${AWS::Partition}', 'aws')) as { widgets: { type: string; properties: { title?: string } }[] }).widgets;
      const titles = widgets.map((w) => w.properties.title ?? '');
      for (const name of ['app-db', 'app-redis', 'media', 'app-config']) expect(titles.some((t) => t.startsWith(`${name} (`)), name).toBe(true);
      // Every function of the region is drawn by the name it is deployed under.
      const functionNames = Object.values(template.Resources)
        .filter((r) => r.Type === 'AWS::Lambda::Function')
        .map((r) => props(r).FunctionName as string)
        .filter((name) => name.startsWith(`backup-dr-${STAGE}-`));
      expect(functionNames.length).toBeGreaterThan(5);
      for (const name of functionNames) expect(body, name).toContain(`"FunctionName","${name}"`);
    }
    expect(dashboardOf(archive)).toEqual([]);
  });
});
