// deploy/assemble.ts without packaging: what the policy drives (functions per role, schedules, IAM,
// state machines, KMS alias, subscriptions) for variants of backup-policy.yml that the repository's
// policy does not exercise — e-mails, enforced automated-backup replication, a key ARN, another owner
// tag, no databases, several restore-tested databases, a restore test run from the secondary, live row
// counts — and the deployment parameters (the validation VPC and its endpoints).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { buildDeployment, deploymentFromFile, type FunctionName } from '../../deploy/assemble.js';
import { SERVICE_DIR } from '../../deploy/bundles.js';
import { functionKeyOf, lambdaLogicalId, PackagingError, type Statement } from '../../deploy/core/cloudformation.js';
import type { Deployment, DeploymentInput } from '../../deploy/core/contribution.js';
import { reportsBucketSub } from '../../deploy/platform/reports-bucket.js';
import { serviceKeyAlias } from '../../shared/contracts.js';
import { parsePolicy } from '../../shared/policy/load.js';
import type { Policy } from '../../shared/policy/schema.js';

type Doc = Record<string, any>;

function policyWith(change: (doc: Doc) => void = () => undefined): Policy {
  const doc = parseYaml(readFileSync(join(SERVICE_DIR, 'backup-policy.yml'), 'utf8')) as Doc;
  change(doc);
  return parsePolicy(stringifyYaml(doc), 'test-policy.yml');
}

function deploy(policy: Policy, region = policy.regions.primary, extra: Partial<DeploymentInput> = {}): Deployment {
  return buildDeployment({ policy, region, stage: 'test', policySource: 'test-policy.yml', policyFile: 'backup-policy.yml', ...extra });
}

function statements(d: Deployment, fn: FunctionName): readonly Statement[] {
  const config = d.functions[fn];
  if (config === undefined) throw new Error(`${fn} is not deployed`);
  return config.iamRoleStatements;
}

const withAction = (list: readonly Statement[], action: string) => list.filter((s) => s.Action.includes(action));
const subs = (s: Statement | undefined): string[] => (s?.Resource ?? []).map((r) => (typeof r === 'string' ? r : ((r as { 'Fn::Sub'?: string })['Fn::Sub'] ?? JSON.stringify(r))));
const RESTORE_STEPS = ['restore-test-notify', 'restore-test-plan', 'restore-test-record', 'restore-test-restore', 'restore-test-status', 'restore-test-teardown', 'validate-restore'];
/** The steps of the cache restore test (deploy/components/redis/restore-test.ts), in both regions. */
const CACHE_RESTORE_STEPS = ['cache-restore-test-notify', 'cache-restore-test-plan', 'cache-restore-test-record', 'cache-restore-test-seed', 'cache-restore-test-status', 'cache-restore-test-teardown', 'validate-cache-restore'];
/** The steps of the point-in-time restore of a media prefix (deploy/components/media/restore.ts), in the primary only. */
const MEDIA_RESTORE_STEPS = ['media-restore-notify', 'media-restore-pass', 'media-restore-plan', 'media-restore-record'];
/** The media buckets' replication check and the alert on S3's replication events (deploy/components/media/verify.ts): asynchronous, in the primary only, when the policy has buckets. */
const MEDIA_VERIFY = ['alert-media-replication-failure', 'verify-media-replication'];
/** The posture check of the media buckets (deploy/components/media/posture.ts): asynchronous, in both regions, when the policy has buckets. */
const MEDIA_POSTURE = ['check-media-posture'];
/** The configuration backup (deploy/components/config/backup.ts): asynchronous, in the primary only, when the policy has configurations (tests/infra/config-backup.test.ts). */
const CONFIG_BACKUP = ['back-up-configuration', 'prune-configuration-bundles', 'test-configuration-restore'];
/** The steps of the configuration restore (deploy/components/config/restore.ts): in both regions, when the policy has configurations. */
const CONFIG_RESTORE_STEPS = ['config-restore-apply', 'config-restore-notify', 'config-restore-plan', 'config-restore-record'];
/** What every recovery runbook shares, in both regions (platform/runbook-steps). */
const RUNBOOK_STEPS = ['answer-approval', 'check-endpoint-change', 'request-approval', 'set-maintenance-mode', 'switch-endpoint'];
/** database-recovery's own steps (primary; it reuses restore-test-status and validate-restore). */
const DATABASE_RECOVERY_STEPS = ['database-recovery-plan', 'database-recovery-restore', 'database-recovery-copy', 'database-recovery-teardown', 'database-recovery-retire', 'database-recovery-notify'];
/** application-recovery's steps (primary; the team policy's hook is an SSM Automation). */
const APPLICATION_RECOVERY_STEPS = ['application-recovery-plan', 'application-recovery-progress', 'application-recovery-rollback', 'application-recovery-poll', 'application-recovery-health', 'application-recovery-report'];
/** redis-recovery's own steps (primary; it reuses cache-restore-test-status and validate-cache-restore). */
const CACHE_RECOVERY_STEPS = ['cache-recovery-plan', 'cache-recovery-seed', 'cache-recovery-teardown', 'cache-recovery-retire', 'cache-recovery-notify'];
/** region-failover's own steps (secondary). */
const FAILOVER_STEPS = ['failover-assess', 'failover-progress', 'failover-notify', 'failover-report', 'failover-db-restore', 'failover-db-status', 'failover-config-restore', 'failover-cache-seed'];
/** The steps each state machine invokes. */
const STEPS_OF: Record<string, readonly string[]> = { 'restore-test': RESTORE_STEPS, 'pitr-test': RESTORE_STEPS, 'cache-restore-test': CACHE_RESTORE_STEPS, 'media-restore': MEDIA_RESTORE_STEPS, 'restore-configuration': CONFIG_RESTORE_STEPS };
/** What every function may do (publish to the encrypted alerts topic): all a step gets when it has nothing to act on. */
const ALERT_ONLY = ['sns:Publish', 'kms:GenerateDataKey*', 'kms:Decrypt'];
/** A record step writes the evidence of any run (its reports bucket, under evidence/), and alerts. */
const RECORD_ACTIONS = ['s3:PutObject', 'kms:GenerateDataKey', ...ALERT_ONLY];

/** The Fn::GetAtt targets of a state machine definition. */
function definitionTargets(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(definitionTargets);
  if (node === null || typeof node !== 'object') return [];
  const getAtt = (node as Record<string, unknown>)['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return [String(getAtt[0])];
  return Object.values(node).flatMap(definitionTargets);
}

function roleStatementsOf(d: Deployment, logicalId: string): Statement[] {
  const role = d.resources.Resources[logicalId] as { Properties: { Policies: { PolicyDocument: { Statement: Statement[] } }[] } } | undefined;
  if (role === undefined) throw new Error(`no ${logicalId}`);
  return role.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement);
}

describe('deploy/assemble.ts', () => {
  it('names osls logical ids the way osls does', () => {
    expect(lambdaLogicalId('take-db-snapshot')).toBe('TakeDashdbDashsnapshotLambdaFunction');
  });

  it('refuses any region without a role — the archive region too when the policy has no regions.archive', () => {
    const policy = policyWith();
    expect(() => deploy(policy, 'eu-west-1')).toThrow(PackagingError);
    expect(() => deploy(policy, 'eu-west-1')).toThrow(/region eu-west-1 has no role in test-policy.yml: package the primary \(ap-northeast-1, the default\), the secondary \(--region ap-southeast-1\) or the archive \(--region ap-southeast-2\)/);
    const noArchive = policyWith((doc) => {
      delete doc.regions.archive;
    });
    expect(() => deploy(noArchive, 'ap-southeast-2')).toThrow(PackagingError);
    expect(() => deploy(noArchive, 'ap-southeast-2')).toThrow(/region ap-southeast-2 has no role in test-policy.yml: package the primary \(ap-northeast-1, the default\) or the secondary \(--region ap-southeast-1\);/);
    // …and then the primary's source bucket replicates to the replica only, and says why the archiveBucket is left alone.
    const primary = deploy(noArchive);
    const rules = (primary.resources.Resources.MediaBucket1!.Properties as { ReplicationConfiguration: { Rules: { Id: string }[] } }).ReplicationConfiguration.Rules;
    expect(rules.map((r) => r.Id)).toEqual(['to-replica']);
    expect(JSON.stringify(roleStatementsOf(primary, 'MediaReplicationRole'))).not.toContain('app-media-archive-apse2');
    expect(JSON.stringify(roleStatementsOf(primary, 'MediaReplicationRole'))).not.toContain('ap-southeast-2');
    expect(primary.warnings).toContain('resources.buckets[0].archiveBucket (app-media-archive-apse2) is not replicated to: the policy has no regions.archive');
  });

  it('the archive region deploys the archive buckets of the managed buckets and their key — no function, state machine, environment or dashboard', () => {
    const policy = policyWith((doc) => {
      doc.resources.buckets.push({ ...doc.resources.buckets[0], name: 'avatars', bucket: 'app-avatars-prod', replicaBucket: 'app-avatars-replica-apse1', archiveBucket: 'app-avatars-archive-apse2' });
      doc.resources.buckets.push({ ...doc.resources.buckets[0], name: 'theirs', bucket: 'their-media', replicaBucket: 'their-media-replica', archiveBucket: 'their-media-archive', managed: false });
      doc.resources.buckets.push({ ...doc.resources.buckets[0], name: 'unarchived', bucket: 'app-tmp-prod', replicaBucket: 'app-tmp-replica-apse1', archiveBucket: undefined });
    });
    const archive = deploy(policy, 'ap-southeast-2');
    expect(archive.role).toBe('archive');
    expect(Object.keys(archive.functions)).toEqual([]);
    expect(Object.keys(archive.stateMachines)).toEqual([]);
    expect(archive.environment).toEqual({});
    expect(archive.dashboardWidgets).toEqual([]);
    expect(archive.scheduleTarget).toBeUndefined();
    expect(archive.warnings).toEqual([]);
    expect(Object.keys(archive.resources.Resources)).toEqual(['ServiceKey', 'ServiceKeyAlias', 'MediaArchiveBucket1', 'MediaArchiveBucket1Policy', 'MediaArchiveBucket2', 'MediaArchiveBucket2Policy']);
    expect((archive.resources.Resources.MediaArchiveBucket2!.Properties as { BucketName: string }).BucketName).toBe('app-avatars-archive-apse2');
    // The primary: a rule to the archive for each managed bucket that names one, and the role may write there (objects, no deletes).
    const primary = deploy(policy);
    const rulesOf = (id: string) => (primary.resources.Resources[id]!.Properties as { ReplicationConfiguration: { Rules: { Id: string; Priority: number }[] } }).ReplicationConfiguration.Rules.map((r) => `${r.Id}/${r.Priority}`);
    expect(rulesOf('MediaBucket1')).toEqual(['to-replica/1', 'to-archive/2']);
    expect(rulesOf('MediaBucket2')).toEqual(['to-replica/1', 'to-archive/2']);
    expect(rulesOf('MediaBucket4')).toEqual(['to-replica/1']);
    const archiveWrite = withAction(roleStatementsOf(primary, 'MediaReplicationRole'), 's3:ReplicateTags').at(-1);
    expect(archiveWrite?.Action).toEqual(['s3:ReplicateObject', 's3:ReplicateTags']);
    expect(subs(archiveWrite)).toEqual(['arn:${AWS::Partition}:s3:::app-media-archive-apse2/*', 'arn:${AWS::Partition}:s3:::app-avatars-archive-apse2/*']);
  });

  it("the archive region uses the policy's kms.archive when it names one: no key of its own, the buckets and the replication role on that key", () => {
    const policy = policyWith((doc) => {
      doc.kms = { archive: 'alias/team-archive' };
    });
    const archive = deploy(policy, 'ap-southeast-2');
    expect(Object.keys(archive.resources.Resources)).toEqual(['MediaArchiveBucket1', 'MediaArchiveBucket1Policy']);
    const key = { 'Fn::Sub': 'arn:${AWS::Partition}:kms:ap-southeast-2:${AWS::AccountId}:alias/team-archive' };
    expect(JSON.stringify(archive.resources.Resources.MediaArchiveBucket1!.Properties)).toContain(JSON.stringify(key));
    const primary = deploy(policy);
    const toArchive = (primary.resources.Resources.MediaBucket1!.Properties as { ReplicationConfiguration: { Rules: { Destination: { EncryptionConfiguration: unknown } }[] } }).ReplicationConfiguration.Rules[1]!;
    expect(toArchive.Destination.EncryptionConfiguration).toEqual({ ReplicaKmsKeyID: key });
    const encrypt = withAction(roleStatementsOf(primary, 'MediaReplicationRole'), 'kms:Encrypt').at(-1);
    expect(encrypt?.Condition).toEqual({ 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/team-archive'] }, StringEquals: { 'kms:ViaService': 's3.ap-southeast-2.amazonaws.com' } });
  });

  it('warns when the archive region gets nothing to hold (no managed bucket names an archiveBucket)', () => {
    const policy = policyWith((doc) => {
      doc.resources.buckets[0].managed = false;
    });
    expect(deploy(policy, 'ap-southeast-2').warnings).toEqual(['the archive region ap-southeast-2 gets no archive bucket: no managed bucket names an archiveBucket']);
  });

  it('deploys the role-specific functions', () => {
    const policy = policyWith();
    expect(Object.keys(deploy(policy).functions).sort()).toEqual(
      [
        'capture-cache-manifest', 'capture-db-manifest', 'check-cache-posture', 'check-db-anomalies', 'check-db-posture', 'check-schedules', 'copy-db-snapshots', 'daily-checklist', 'export-cache-snapshots', 'janitor', 'prune-cache-backups', 'prune-db-snapshots', 'take-cache-snapshot', 'take-db-snapshot',
        'verify-cache-exports', ...RESTORE_STEPS, ...CACHE_RESTORE_STEPS, ...MEDIA_RESTORE_STEPS, ...MEDIA_VERIFY, ...MEDIA_POSTURE, ...CONFIG_BACKUP, ...CONFIG_RESTORE_STEPS, ...RUNBOOK_STEPS, ...DATABASE_RECOVERY_STEPS, ...APPLICATION_RECOVERY_STEPS, ...CACHE_RECOVERY_STEPS,
      ].sort(),
    );
    // No cache in the policy: no cache snapshots to take, export, verify, prune or check. Like the
    // database restore test without databases, the cache restore test state machine is still built,
    // and so its steps — with nothing to act on: no schedule, no export bucket, no statement but the
    // alerts' (and record's evidence, which it writes for any run, like restore-test-record).
    const noCaches = policyWith((doc) => {
      doc.resources.caches = [];
    });
    for (const role of ['primary', 'secondary'] as const) {
      const d = deploy(noCaches, noCaches.regions[role]);
      // failover-cache-seed is a step of region-failover (deployed with it, acting on nothing without a cache to fail over).
      expect(Object.keys(d.functions).filter((fn) => fn.includes('cache') && !CACHE_RESTORE_STEPS.includes(fn) && fn !== 'failover-cache-seed')).toEqual([]);
      expect(Object.keys(d.resources.Resources).filter((id) => id.startsWith('CacheExport'))).toEqual([]);
      expect(d.stateMachines['cache-restore-test']!.events).toEqual([]);
      for (const step of CACHE_RESTORE_STEPS) {
        expect(d.functions[step]!.iamRoleStatements.flatMap((st) => st.Action), step).toEqual(step === 'cache-restore-test-record' ? RECORD_ACTIONS : ALERT_ONLY);
        expect(d.functions[step]!.environment ?? {}, step).toEqual({});
      }
    }
    expect(Object.keys(deploy(policy, policy.regions.secondary).functions).sort()).toEqual(
      // The failover readiness check and the watch on the primary: the secondary's own (the policy has a recovery section).
      ['check-cache-posture', 'check-failover-readiness', 'check-schedules', 'janitor', 'prune-cache-backups', 'prune-configuration-bundles', 'prune-db-snapshots', 'verify-cache-exports', 'verify-db-snapshots', 'watch-primary-region', ...RESTORE_STEPS, ...CACHE_RESTORE_STEPS, ...MEDIA_POSTURE, ...CONFIG_RESTORE_STEPS, ...RUNBOOK_STEPS, ...FAILOVER_STEPS].sort(),
    );
  });

  it('check-media-posture: daily in both regions, reading only the configuration of its side of every bucket (managed or not) — the archive copies from the primary — and describing the expected keys', () => {
    const policy = policyWith((doc) => {
      doc.resources.buckets.push({ name: 'theirs', bucket: 'their-media', replicaBucket: 'their-media-replica', archiveBucket: 'their-media-archive', managed: false });
    });
    const reads = [
      's3:GetBucketVersioning', 's3:GetReplicationConfiguration', 's3:GetLifecycleConfiguration', 's3:GetEncryptionConfiguration', 's3:GetBucketPublicAccessBlock', 's3:GetBucketOwnershipControls', 's3:GetBucketPolicy',
    ];
    const bucket = (name: string) => `arn:\${AWS::Partition}:s3:::${name}`;
    const keyScope = (region: string) => ({ Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:kms:${region}:\${AWS::AccountId}:key/*` }], Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/backup-dr-test'] } } });
    // Its own statements: not those every (asynchronous) function gets — alerting, its failure queue.
    const own = (list: readonly Statement[]) => list.filter((s) => !/AlertsTopic|ServiceKey|AsyncFailureQueue|ReportsBucket/.test(JSON.stringify(s.Resource)));
    // Its memory of what it alerted: objects under posture/ in this region's reports bucket, nothing else there.
    const memory = statements(deploy(policy), 'check-media-posture').filter((s) => JSON.stringify(s.Resource).includes('ReportsBucket'));
    expect(memory.map((s) => [s.Action, s.Resource])).toEqual([
      [['s3:GetObject', 's3:PutObject'], [{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${ReportsBucket}/posture/*' }]],
      [['s3:ListBucket'], [{ 'Fn::GetAtt': ['ReportsBucket', 'Arn'] }]],
    ]);
    const primary = own(statements(deploy(policy), 'check-media-posture'));
    expect(primary.map((s) => [s.Action, subs(s)])).toEqual([
      [reads, [bucket('app-media-prod'), bucket('their-media'), bucket('app-media-archive-apse2'), bucket('their-media-archive')]],
      [['kms:DescribeKey'], subs({ Effect: 'Allow', Action: [], ...keyScope('ap-northeast-1') })],
      [['kms:DescribeKey'], subs({ Effect: 'Allow', Action: [], ...keyScope('ap-southeast-2') })],
    ]);
    expect(primary[1]!.Condition).toEqual(keyScope('ap-northeast-1').Condition);
    const secondary = own(statements(deploy(policy, policy.regions.secondary), 'check-media-posture'));
    expect(secondary.map((s) => [s.Action, subs(s)])).toEqual([
      [reads, [bucket('app-media-replica-apse1'), bucket('their-media-replica')]],
      [['kms:DescribeKey'], subs({ Effect: 'Allow', Action: [], ...keyScope('ap-southeast-1') })],
    ]);
    // Nothing that writes or reads an object.
    expect([...primary, ...secondary].flatMap((s) => s.Action).filter((a) => /Put|Delete|GetObject|Replicate/.test(a))).toEqual([]);
    const schedules = deploy(policy).functions['check-media-posture']!.events.flatMap((e) => ('schedule' in e ? [e.schedule] : []));
    expect(schedules.map((e) => [e.rate, e.timezone])).toEqual([[[policy.rds.postureSchedule], 'Asia/Tokyo']]);
    // No buckets: no check; no archive region: no archive copy to read.
    const none = policyWith((doc) => {
      doc.resources.buckets = [];
    });
    expect(deploy(none).functions['check-media-posture']).toBeUndefined();
    const noArchive = policyWith((doc) => {
      delete doc.regions.archive;
    });
    expect(JSON.stringify(statements(deploy(noArchive), 'check-media-posture'))).not.toMatch(/archive|ap-southeast-2/);
  });

  it('maps the ASL names of functions to their keys', () => {
    expect(functionKeyOf('restoreTestPlan')).toBe('restore-test-plan');
    expect(functionKeyOf('validateRestore')).toBe('validate-restore');
  });

  it('schedules one snapshot per database and lets the Scheduler role invoke every scheduled function', () => {
    // billing-db has no restore test: take-db-snapshot takes it. app-db's snapshot is requested by
    // capture-db-manifest, between the manifests that bracket it.
    const policy = policyWith((doc) => {
      const { restoreTest: _restoreTest, pitrTest: _pitrTest, ...untested } = doc.resources.databases[0];
      doc.resources.databases.push({ ...untested, name: 'billing-db', instanceId: 'billing-prod', schedule: 'cron(30 1 * * ? *)' });
    });
    const d = deploy(policy);
    const schedules = d.functions['take-db-snapshot']!.events.flatMap((e) => ('schedule' in e ? [e.schedule] : []));
    expect(schedules.map((s) => [s.rate, s.input])).toEqual([[['cron(30 1 * * ? *)'], { resources: ['billing-db'], scheduledTime: '<aws.scheduler.scheduled-time>' }]]);
    const [invoke, ...others] = roleStatementsOf(d, 'SchedulerInvokeRole');
    // Besides invoking: sending what it could not deliver to the schedule DLQ (tests/infra/alert-path.test.ts).
    expect(others.flatMap((s) => s.Action)).toEqual(['sqs:SendMessage', 'kms:GenerateDataKey', 'kms:Decrypt']);
    // The scheduled functions only: the steps of the state machines are never invoked by the Scheduler.
    // (alert-media-replication-failure is asynchronous too, but S3 invokes it: no schedule.)
    const scheduled = [
      'janitor', 'daily-checklist', 'check-schedules', 'take-db-snapshot', 'copy-db-snapshots', 'prune-db-snapshots', 'check-db-posture', 'capture-db-manifest', 'check-db-anomalies', 'take-cache-snapshot', 'capture-cache-manifest',
      'export-cache-snapshots', 'verify-cache-exports', 'prune-cache-backups', 'check-cache-posture', 'verify-media-replication', 'check-media-posture', 'back-up-configuration',
      'prune-configuration-bundles',
      'test-configuration-restore',
    ];
    expect(invoke!.Resource).toEqual(scheduled.map((fn) => ({ 'Fn::GetAtt': [lambdaLogicalId(fn), 'Arn'] })));
    // The restore-tested database's manifests (and its snapshot) at its schedule, and the reconcile fallback.
    const captures = d.functions['capture-db-manifest']!.events.flatMap((e) => ('schedule' in e ? [e.schedule] : []));
    expect(captures.map((s) => [s.rate, s.input])).toEqual([
      [['cron(0 2 * * ? *)'], { resources: ['app-db'], scheduledTime: '<aws.scheduler.scheduled-time>' }],
      [[policy.rds.reconcileSchedule], { reconcile: true }],
    ]);
    const create = withAction(statements(d, 'take-db-snapshot'), 'rds:CreateDBSnapshot')[0]!;
    expect(create.Resource.map((r) => (r as { 'Fn::Sub': string })['Fn::Sub'])).toEqual([
      'arn:${AWS::Partition}:rds:ap-northeast-1:${AWS::AccountId}:db:app-db-prod',
      'arn:${AWS::Partition}:rds:ap-northeast-1:${AWS::AccountId}:db:billing-prod',
      'arn:${AWS::Partition}:rds:ap-northeast-1:${AWS::AccountId}:snapshot:backup-dr-*',
    ]);
  });

  it('deploys replicate-db-backups (primary only) with the replication start and KMS grant for RDS only when a database enforces it; check-db-posture only reads', () => {
    const relaxed = deploy(policyWith());
    expect(relaxed.functions['replicate-db-backups']).toBeUndefined();
    const relaxedPosture = statements(relaxed, 'check-db-posture');
    expect(withAction(relaxedPosture, 'rds:StartDBInstanceAutomatedBackupsReplication')).toEqual([]);
    expect(withAction(relaxedPosture, 'kms:CreateGrant')).toEqual([]);

    const enforcedPolicy = policyWith((doc) => {
      doc.resources.databases[0].automatedBackups.enforce = true;
      // A second database that only reports: replicate-db-backups must not name it.
      doc.resources.databases.push({ ...doc.resources.databases[0], name: 'billing-db', instanceId: 'billing-prod', automatedBackups: { ...doc.resources.databases[0].automatedBackups, enforce: false } });
    });
    const d = deploy(enforcedPolicy);
    const replicate = d.functions['replicate-db-backups']!;
    expect(replicate).toMatchObject({
      handler: 'functions/rds/replicate-db-backups/handler.handler',
      description: 'Starts cross-region replication of automated backups where the policy enforces it',
      timeout: 120,
      memorySize: 256,
      maximumRetryAttempts: 1,
    });
    expect(replicate.events).toEqual([
      {
        schedule: {
          method: 'scheduler',
          rate: [enforcedPolicy.rds.postureSchedule],
          timezone: 'Asia/Tokyo',
          roleArn: { 'Fn::GetAtt': ['SchedulerInvokeRole', 'Arn'] },
          description: 'backup-dr: start automated-backup replication where enforced',
          name: 'backup-dr-test-replicate-db-backups',
        },
      },
    ]);
    const enforced = statements(d, 'replicate-db-backups');
    const start = withAction(enforced, 'rds:StartDBInstanceAutomatedBackupsReplication');
    expect(start).toHaveLength(1);
    expect(start[0]!.Resource).toContainEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:rds:ap-northeast-1:${AWS::AccountId}:db:app-db-prod' });
    expect(subs(start[0])).toEqual([
      'arn:${AWS::Partition}:rds:ap-northeast-1:${AWS::AccountId}:db:app-db-prod',
      'arn:${AWS::Partition}:rds:ap-southeast-1:${AWS::AccountId}:auto-backup:*',
    ]);
    expect(subs(withAction(enforced, 'rds:DescribeDBInstances')[0])).toEqual(['arn:${AWS::Partition}:rds:ap-northeast-1:${AWS::AccountId}:db:app-db-prod']);
    const grant = withAction(enforced, 'kms:CreateGrant');
    expect(grant).toEqual([
      {
        Effect: 'Allow',
        Action: ['kms:CreateGrant'],
        Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:kms:ap-southeast-1:${AWS::AccountId}:key/*' }],
        // The policy names no kms.secondary: the secondary deployment's own key, by its stage-scoped alias.
        Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [serviceKeyAlias('test')] }, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      },
    ]);
    expect(enforced.flatMap((s) => s.Action)).toEqual([
      'rds:DescribeDBInstances',
      'rds:StartDBInstanceAutomatedBackupsReplication',
      'kms:DescribeKey',
      'kms:CreateGrant',
      'sns:Publish',
      'kms:GenerateDataKey*',
      'kms:Decrypt',
      // Its failed invocations go to the failure queue (tests/infra/failure-alarms.test.ts).
      'sqs:SendMessage',
      'kms:GenerateDataKey',
      'kms:Decrypt',
    ]);
    // The Scheduler may invoke it; posture keeps its read-only statements.
    expect(roleStatementsOf(d, 'SchedulerInvokeRole')[0]!.Resource).toContainEqual({ 'Fn::GetAtt': [lambdaLogicalId('replicate-db-backups'), 'Arn'] });
    const posture = statements(d, 'check-db-posture');
    expect(withAction(posture, 'rds:StartDBInstanceAutomatedBackupsReplication')).toEqual([]);
    expect(posture.filter((s) => s.Condition === undefined).flatMap((s) => s.Action).filter((a) => a.startsWith('kms:'))).toEqual(['kms:GenerateDataKey*', 'kms:Decrypt']);
    // …and the service key through S3 (its memory in the reports bucket), the failure queue's key only through SQS.
    expect(posture.filter((s) => s.Condition !== undefined && 'StringEquals' in s.Condition).map((s) => [s.Action.filter((a) => a.startsWith('kms:')), Object.values(s.Condition!)[0]])).toEqual([
      [['kms:GenerateDataKey', 'kms:Decrypt'], { 'kms:ViaService': 's3.ap-northeast-1.amazonaws.com' }],
      [['kms:GenerateDataKey', 'kms:Decrypt'], { 'kms:ViaService': { 'Fn::Sub': 'sqs.${AWS::Region}.amazonaws.com' } }],
    ]);
    // The backup keys of both regions: their rotation read, nothing else.
    expect(posture.filter((s) => s.Action.includes('kms:GetKeyRotationStatus')).map((s) => s.Action)).toEqual([
      ['kms:DescribeKey', 'kms:GetKeyRotationStatus'],
      ['kms:DescribeKey', 'kms:GetKeyRotationStatus'],
    ]);
    // Never in the secondary.
    expect(deploy(enforcedPolicy, enforcedPolicy.regions.secondary).functions['replicate-db-backups']).toBeUndefined();
  });

  it("names a key given by ARN directly, and points no alias at it (only the service key's own)", () => {
    const arn = 'arn:aws:kms:ap-southeast-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
    const d = deploy(
      policyWith((doc) => {
        doc.kms.secondary = arn;
      }),
      'ap-southeast-1',
    );
    expect(d.resources.Resources.ServiceKeyAlias!.Properties).toEqual({ AliasName: serviceKeyAlias('test'), TargetKeyId: { Ref: 'ServiceKey' } });
    expect(withAction(statements(d, 'verify-db-snapshots'), 'kms:DescribeKey')).toEqual([{ Effect: 'Allow', Action: ['kms:DescribeKey'], Resource: [arn] }]);
  });

  it('conditions deletes and tags on the owner tag the policy names', () => {
    const d = deploy(
      policyWith((doc) => {
        doc.tags.owner = 'acme:backup-owner';
      }),
    );
    expect(withAction(statements(d, 'prune-db-snapshots'), 'rds:DeleteDBSnapshot')[0]!.Condition).toEqual({
      StringEquals: { 'aws:ResourceTag/acme:backup-owner': 'backup-dr' },
    });
    expect(withAction(statements(d, 'take-db-snapshot'), 'rds:AddTagsToResource')[0]!.Condition).toEqual({
      StringEquals: { 'aws:RequestTag/acme:backup-owner': 'backup-dr' },
    });
  });

  it('subscribes the policy e-mails to the alerts topic', () => {
    const d = deploy(
      policyWith((doc) => {
        doc.alerts.emails = ['oncall@example.com', 'dba@example.com'];
      }),
    );
    expect(d.resources.Resources.AlertsEmailSubscription1).toEqual({
      Type: 'AWS::SNS::Subscription',
      Properties: { Protocol: 'email', Endpoint: 'oncall@example.com', TopicArn: { Ref: 'AlertsTopic' } },
    });
    expect(d.resources.Resources.AlertsEmailSubscription2).toMatchObject({ Properties: { Endpoint: 'dba@example.com' } });
  });

  it('emits no statement without resources when the policy has no databases yet', () => {
    const d = deploy(
      policyWith((doc) => {
        doc.resources.databases = [];
      }),
    );
    expect(d.functions['take-db-snapshot']!.events).toEqual([]);
    for (const config of Object.values(d.functions)) {
      for (const s of config.iamRoleStatements) expect(s.Resource.length).toBeGreaterThan(0);
    }
  });

  it('emits no state machine schedule without restore-tested databases, and still builds the state machines', () => {
    const policy = policyWith((doc) => {
      doc.resources.databases = [];
    });
    const primary = deploy(policy);
    expect(primary.stateMachines['restore-test']!.events).toEqual([]);
    expect(primary.functions['restore-test-restore']!.iamRoleStatements.flatMap((s) => s.Action)).toEqual(ALERT_ONLY);
    // The policy's cache is still restore-tested: its schedule alone, and the Scheduler may start that machine only.
    expect(primary.stateMachines['cache-restore-test']!.events.map((e) => [e.schedule.rate, e.schedule.input])).toEqual([['cron(0 5 ? * SUN *)', { resource: 'app-redis' }]]);
    expect(roleStatementsOf(primary, 'SchedulerStartExecutionRole')[0]).toEqual({ Effect: 'Allow', Action: ['states:StartExecution'], Resource: [{ Ref: 'CacheRestoreTestStateMachine' }] });
    // …and without a restore-tested cache (nor the monthly failover rehearsal) either: no schedule, no role to start anything.
    const untested = policyWith((doc) => {
      doc.resources.databases = [];
      delete doc.resources.caches[0].restoreTest;
      doc.recovery.rehearsal = { enabled: false };
    });
    for (const region of [untested.regions.primary, untested.regions.secondary]) {
      const d = deploy(untested, region);
      expect(Object.values(d.stateMachines).flatMap((machine) => machine.events), region).toEqual([]);
      expect(d.resources.Resources.SchedulerStartExecutionRole, region).toBeUndefined();
      for (const step of CACHE_RESTORE_STEPS) {
        // In the secondary, region-failover waits for the cache's failover group with the status step, and a
        // rehearsal (scheduled or started by hand) deletes its bdr-rh-* group with the teardown: untested, still granted.
        const secondary = region === untested.regions.secondary;
        const failover: Record<string, string[]> = {
          'cache-restore-test-status': ['elasticache:DescribeReplicationGroups'],
          'cache-restore-test-teardown': ['elasticache:DescribeReplicationGroups', 'elasticache:ListTagsForResource', 'elasticache:DeleteReplicationGroup'],
          // The failover's validation reads the manifest and writes its report.
          'validate-cache-restore': ['s3:GetObject', 's3:ListBucket', 's3:PutObject', 'kms:GenerateDataKey'],
        };
        const waits = secondary ? (failover[step] ?? []) : [];
        expect(d.functions[step]!.iamRoleStatements.flatMap((s) => s.Action), `${region} ${step}`).toEqual(step === 'cache-restore-test-record' ? RECORD_ACTIONS : [...waits, ...ALERT_ONLY]);
      }
      expect(d.functions['cache-restore-test-plan']!.environment ?? {}, region).toEqual({});
    }
    expect(deploy(untested).warnings).toContainEqual(expect.stringContaining('resources.caches[0] (app-redis) has no restoreTest'));
  });
});

describe('deploy/assemble.ts: state machines', () => {
  it('deploys the restore test in both regions, the PITR test in the secondary and the media restore in the primary, each invoking the Lambdas of its own region', () => {
    const policy = policyWith();
    const primary = deploy(policy);
    const secondary = deploy(policy, policy.regions.secondary);
    expect(Object.keys(primary.stateMachines).sort()).toEqual(['application-recovery', 'cache-restore-test', 'database-recovery', 'media-restore', 'redis-recovery', 'restore-configuration', 'restore-test']);
    expect(Object.keys(secondary.stateMachines).sort()).toEqual(['cache-restore-test', 'pitr-test', 'region-failover', 'restore-configuration', 'restore-test']);
    for (const d of [primary, secondary]) {
      for (const [name, machine] of Object.entries(d.stateMachines)) {
        // The runbooks' machines have their own deployment tests (tests/infra/database-recovery.test.ts, region-failover.test.ts).
        if (name === 'database-recovery' || name === 'region-failover' || name === 'application-recovery' || name === 'redis-recovery') continue;
        const targets = [...new Set(definitionTargets(machine.definition))].sort();
        expect(targets, name).toEqual(STEPS_OF[name]!.map(lambdaLogicalId).sort());
        const [invoke] = roleStatementsOf(d, `${machine.id}Role`);
        expect(invoke!.Action).toEqual(['lambda:InvokeFunction']);
        expect((invoke!.Resource as readonly unknown[] as { 'Fn::GetAtt': string[] }[]).map((r) => r['Fn::GetAtt'][0]).sort()).toEqual(targets);
        expect(machine.loggingConfig).toMatchObject({ level: 'ERROR', includeExecutionData: false });
        expect(machine.tracingConfig).toEqual({ enabled: false });
      }
    }
  });

  it('schedules a restore test in the region its restoreTest.region names, one per database, with the resource as input', () => {
    const policy = policyWith((doc) => {
      doc.resources.databases.push({
        ...doc.resources.databases[0],
        name: 'billing-db',
        instanceId: 'billing-prod',
        restoreTest: {
          ...doc.resources.databases[0].restoreTest,
          region: 'secondary',
          schedule: 'cron(0 6 ? * SAT *)',
          credentialsSecret: 'backup-dr/billing-master',
          // In the secondary, a replica of the secret under the same name (the default).
          secondary: { subnetGroup: 'billing-restore', securityGroups: ['sg-0f1e2d3c'] },
        },
      });
    });
    const primary = deploy(policy);
    const secondary = deploy(policy, policy.regions.secondary);
    expect(primary.stateMachines['restore-test']!.events.map((e) => [e.schedule.rate, e.schedule.input, e.schedule.timezone])).toEqual([['cron(0 4 ? * SUN *)', { resource: 'app-db' }, 'Asia/Tokyo']]);
    expect(secondary.stateMachines['restore-test']!.events.map((e) => [e.schedule.rate, e.schedule.input])).toEqual([['cron(0 6 ? * SAT *)', { resource: 'billing-db' }]]);
    // Both databases have a PITR test (copied settings): two monthly schedules in the secondary.
    expect(secondary.stateMachines['pitr-test']!.events.map((e) => e.schedule.input)).toEqual([{ resource: 'app-db' }, { resource: 'billing-db' }]);
    const [start] = roleStatementsOf(secondary, 'SchedulerStartExecutionRole');
    // (region-failover: its monthly rehearsal)
    expect(start).toEqual({ Effect: 'Allow', Action: ['states:StartExecution'], Resource: [{ Ref: 'RegionFailoverStateMachine' }, { Ref: 'RestoreTestStateMachine' }, { Ref: 'PitrTestStateMachine' }] });
    // validate-restore may read both credentials secrets, in its own region.
    expect(subs(withAction(statements(secondary, 'validate-restore'), 'secretsmanager:GetSecretValue')[0])).toEqual([
      'arn:${AWS::Partition}:secretsmanager:ap-southeast-1:${AWS::AccountId}:secret:backup-dr/app-db-master-??????',
      'arn:${AWS::Partition}:secretsmanager:ap-southeast-1:${AWS::AccountId}:secret:backup-dr/billing-master-??????',
    ]);
  });

  it('grants PITR (restore to a point in time, read the replicated backups) only in the secondary and only when a database has a PITR test', () => {
    const withPitr = policyWith();
    const withoutPitr = policyWith((doc) => {
      delete doc.resources.databases[0].pitrTest;
    });
    const pitrActions = (d: Deployment) =>
      [...statements(d, 'restore-test-restore'), ...statements(d, 'restore-test-plan')].flatMap((s) => s.Action).filter((a) => /PointInTime|AutomatedBackups/.test(a));
    expect(pitrActions(deploy(withPitr))).toEqual([]);
    expect(pitrActions(deploy(withPitr, withPitr.regions.secondary)).sort()).toEqual(['rds:DescribeDBInstanceAutomatedBackups', 'rds:RestoreDBInstanceToPointInTime']);
    expect(pitrActions(deploy(withoutPitr, withoutPitr.regions.secondary))).toEqual([]);
    expect(deploy(withoutPitr, withoutPitr.regions.secondary).stateMachines['pitr-test']!.events).toEqual([]);
  });

  it('warns about (and does not schedule) a PITR test without restoreTest settings', () => {
    const policy = policyWith((doc) => {
      delete doc.resources.databases[0].restoreTest;
    });
    const d = deploy(policy, policy.regions.secondary);
    expect(d.stateMachines['pitr-test']!.events).toEqual([]);
    expect(d.warnings).toContainEqual(expect.stringContaining('resources.databases[0] (app-db) has pitrTest but no restoreTest'));
  });

  it('restores into the subnet groups the policy names ("default" when it names none)', () => {
    const policy = policyWith((doc) => {
      delete doc.resources.databases[0].restoreTest.subnetGroup;
      delete doc.resources.databases[0].restoreTest.secondary.subnetGroup;
      doc.resources.databases[0].pitrTest.subnetGroup = 'dr-restore';
    });
    const restore = (d: Deployment) => withAction(statements(d, 'restore-test-restore'), 'rds:RestoreDBInstanceFromDBSnapshot')[0];
    expect(subs(restore(deploy(policy))).filter((r) => r.includes(':subgrp:'))).toEqual(['arn:${AWS::Partition}:rds:ap-northeast-1:${AWS::AccountId}:subgrp:default']);
    expect(subs(restore(deploy(policy, policy.regions.secondary))).filter((r) => r.includes(':subgrp:'))).toEqual([
      'arn:${AWS::Partition}:rds:ap-southeast-1:${AWS::AccountId}:subgrp:default',
      'arn:${AWS::Partition}:rds:ap-southeast-1:${AWS::AccountId}:subgrp:dr-restore',
    ]);
  });

  it('conditions the instance delete on the owner tag the policy names, on bdr-* instances only', () => {
    const d = deploy(
      policyWith((doc) => {
        doc.tags.owner = 'acme:backup-owner';
      }),
    );
    expect(withAction(statements(d, 'restore-test-teardown'), 'rds:DeleteDBInstance')).toEqual([
      {
        Effect: 'Allow',
        Action: ['rds:DeleteDBInstance'],
        Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:rds:ap-northeast-1:${AWS::AccountId}:db:bdr-*' }],
        Condition: { StringEquals: { 'aws:ResourceTag/acme:backup-owner': 'backup-dr' } },
      },
    ]);
    expect(withAction(statements(d, 'restore-test-restore'), 'rds:RestoreDBInstanceFromDBSnapshot')[0]!.Condition).toEqual({
      StringEquals: { 'aws:RequestTag/acme:backup-owner': 'backup-dr' },
    });
  });

  it('lets validate-restore describe the live source only when a database compares row counts with it', () => {
    expect(withAction(statements(deploy(policyWith()), 'validate-restore'), 'rds:DescribeDBInstances')).toEqual([]);
    const live = deploy(
      policyWith((doc) => {
        doc.resources.databases[0].validation.rowCounts.mode = 'live';
      }),
    );
    expect(subs(withAction(statements(live, 'validate-restore'), 'rds:DescribeDBInstances')[0])).toEqual(['arn:${AWS::Partition}:rds:ap-northeast-1:${AWS::AccountId}:db:app-db-prod']);
  });

  it('names a credentials secret given by ARN directly', () => {
    const arn = 'arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:app-db-master-AbCdEf';
    const d = deploy(
      policyWith((doc) => {
        doc.resources.databases[0].restoreTest.credentialsSecret = arn;
      }),
    );
    expect(withAction(statements(d, 'validate-restore'), 'secretsmanager:GetSecretValue')[0]!.Resource).toEqual([arn]);
    expect(withAction(statements(d, 'capture-db-manifest'), 'secretsmanager:GetSecretValue')[0]!.Resource).toEqual([arn]);
  });
});

describe('deploy/assemble.ts: the cache restore test (redis/restore-test)', () => {
  const cacheArn = (region: string, resource: string) => `arn:\${AWS::Partition}:elasticache:${region}:\${AWS::AccountId}:${resource}`;
  const create = (d: Deployment) => withAction(statements(d, 'cache-restore-test-seed'), 'elasticache:CreateReplicationGroup');

  it('schedules the cache restore test in the region its restoreTest.region names, and lets the Scheduler start it there only', () => {
    const policy = policyWith((doc) => {
      doc.resources.caches[0].restoreTest.region = 'secondary';
      doc.resources.caches[0].restoreTest.schedule = 'cron(0 6 ? * SAT *)';
    });
    const primary = deploy(policy);
    const secondary = deploy(policy, policy.regions.secondary);
    expect(primary.stateMachines['cache-restore-test']!.events).toEqual([]);
    expect(secondary.stateMachines['cache-restore-test']!.events.map((e) => [e.schedule.rate, e.schedule.input, e.schedule.timezone])).toEqual([['cron(0 6 ? * SAT *)', { resource: 'app-redis' }, 'Asia/Tokyo']]);
    expect(roleStatementsOf(primary, 'SchedulerStartExecutionRole')[0]!.Resource).toEqual([{ Ref: 'RestoreTestStateMachine' }]);
    expect(roleStatementsOf(secondary, 'SchedulerStartExecutionRole')[0]!.Resource).toEqual([{ Ref: 'RegionFailoverStateMachine' }, { Ref: 'PitrTestStateMachine' }, { Ref: 'CacheRestoreTestStateMachine' }]);
  });

  it('refuses a cache restore test in the secondary without restoreTest.secondary (its subnet and security groups there)', () => {
    expect(() =>
      policyWith((doc) => {
        doc.resources.caches[0].restoreTest.region = 'secondary';
        delete doc.resources.caches[0].restoreTest.secondary;
      }),
    ).toThrow(/restoreTest\.secondary/);
  });

  it('gives cache-restore-test-plan the export bucket of its own region by name (EXPORT_BUCKET)', () => {
    const policy = policyWith();
    for (const region of [policy.regions.primary, policy.regions.secondary]) {
      expect(deploy(policy, region).functions['cache-restore-test-plan']!.environment).toEqual({ EXPORT_BUCKET: { 'Fn::Sub': `backup-dr-exports-test-\${AWS::AccountId}-${region}` } });
    }
  });

  it('seeds in the subnet groups the policy names for each region ("default" when it names none), from our snapshots only in the primary', () => {
    const policy = policyWith((doc) => {
      doc.resources.caches[0].restoreTest.subnetGroup = 'tokyo-cache-restores';
      delete doc.resources.caches[0].restoreTest.secondary.subnetGroup;
    });
    const groups = (d: Deployment) => subs(create(d)[0]).filter((r) => /:(subnetgroup|snapshot):/.test(r));
    expect(groups(deploy(policy))).toEqual([cacheArn('ap-northeast-1', 'subnetgroup:tokyo-cache-restores'), cacheArn('ap-northeast-1', 'snapshot:backup-dr-*')]);
    expect(groups(deploy(policy, policy.regions.secondary))).toEqual([cacheArn('ap-southeast-1', 'subnetgroup:default')]);
  });

  it('conditions the group create and its tags on the request tag, and the group delete on the resource tag, of the owner tag the policy names', () => {
    const d = deploy(
      policyWith((doc) => {
        doc.tags.owner = 'acme:backup-owner';
      }),
    );
    expect(create(d)[0]!.Condition).toEqual({ StringEquals: { 'aws:RequestTag/acme:backup-owner': 'backup-dr' } });
    expect(withAction(statements(d, 'cache-restore-test-seed'), 'elasticache:AddTagsToResource')).toEqual([
      {
        Effect: 'Allow',
        Action: ['elasticache:AddTagsToResource'],
        Resource: [{ 'Fn::Sub': cacheArn('ap-northeast-1', 'replicationgroup:bdr-crt-*') }, { 'Fn::Sub': cacheArn('ap-northeast-1', 'cluster:bdr-crt-*') }],
        Condition: { StringEquals: { 'aws:RequestTag/acme:backup-owner': 'backup-dr' } },
      },
    ]);
    expect(withAction(statements(d, 'cache-restore-test-teardown'), 'elasticache:DeleteReplicationGroup')).toEqual([
      {
        Effect: 'Allow',
        Action: ['elasticache:DeleteReplicationGroup'],
        Resource: [{ 'Fn::Sub': cacheArn('ap-northeast-1', 'replicationgroup:bdr-crt-*') }],
        Condition: { StringEquals: { 'aws:ResourceTag/acme:backup-owner': 'backup-dr' } },
      },
    ]);
  });

  it("lets seed and validate-cache-restore read only the AUTH secret the restore-tested cache names, in their own region, and seed join only its user group", () => {
    const policy = policyWith((doc) => {
      doc.resources.caches[0].validation = { authSecret: 'backup-dr/app-redis-auth' };
      doc.resources.caches[0].restoreTest.userGroupId = 'app-redis-users';
    });
    for (const region of [policy.regions.primary, policy.regions.secondary]) {
      const d = deploy(policy, region);
      for (const fn of ['cache-restore-test-seed', 'validate-cache-restore'] as const) {
        expect(withAction(statements(d, fn), 'secretsmanager:GetSecretValue').map(subs), `${region} ${fn}`).toEqual([
          [`arn:\${AWS::Partition}:secretsmanager:${region}:\${AWS::AccountId}:secret:backup-dr/app-redis-auth-??????`],
        ]);
      }
      expect(subs(create(d)[0]).filter((r) => r.includes(':usergroup:')), region).toEqual([cacheArn(region, 'usergroup:app-redis-users')]);
    }
    // The team's policy names no AUTH secret: no secret to read at all.
    const plain = deploy(policyWith());
    for (const fn of ['cache-restore-test-seed', 'validate-cache-restore'] as const) expect(withAction(statements(plain, fn), 'secretsmanager:GetSecretValue'), fn).toEqual([]);
  });
});

describe('deploy/assemble.ts: the point-in-time restore of a media prefix (media/restore)', () => {
  const bucketArn = (name: string) => `arn:\${AWS::Partition}:s3:::${name}`;
  const objects = (name: string) => `arn:\${AWS::Partition}:s3:::${name}/*`;
  const LISTING = 'arn:${AWS::Partition}:s3:::${ReportsBucket}/media-restores/*';
  const scratch = mkdtempSync(join(tmpdir(), 'backup-dr-media-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('deploys the media-restore state machine and its four steps in the primary only, with no schedule: an operator starts it', () => {
    const policy = policyWith();
    const primary = deploy(policy);
    const secondary = deploy(policy, policy.regions.secondary);
    expect(primary.stateMachines['media-restore']).toMatchObject({ id: 'MediaRestoreStateMachine', name: 'backup-dr-test-media-restore', events: [] });
    expect(primary.stateMachineSteps['media-restore']!.slice().sort()).toEqual(MEDIA_RESTORE_STEPS);
    for (const step of MEDIA_RESTORE_STEPS) {
      expect(primary.functions[step]!.handler, step).toBe(`functions/media/${step}/handler.handler`);
      expect(primary.functions[step]!.events, step).toEqual([]);
      // A state-machine step: invoked synchronously, retried by its state machine.
      expect(primary.functions[step]!.maximumRetryAttempts, step).toBeUndefined();
      expect(primary.functionMeta[step], step).toEqual({ component: 'media', retriedErrors: [] });
      expect(secondary.functions[step], step).toBeUndefined();
    }
    expect(secondary.stateMachines['media-restore']).toBeUndefined();
    expect(JSON.stringify(roleStatementsOf(primary, 'SchedulerStartExecutionRole'))).not.toContain('MediaRestoreStateMachine');
    expect(JSON.stringify(secondary.resources)).not.toContain('MediaRestore');
  });

  it("names every media bucket of the policy: versions read in the sources and replicas, copies and delete markers written only in the sources", () => {
    const d = deploy(
      policyWith((doc) => {
        doc.resources.buckets.push({ name: 'docs', bucket: 'app-docs-prod', replicaBucket: 'app-docs-replica-apse1', versioning: true });
      }),
    );
    const pass = statements(d, 'media-restore-pass');
    expect(subs(withAction(pass, 's3:ListBucketVersions')[0])).toEqual(['app-media-prod', 'app-docs-prod', 'app-media-replica-apse1', 'app-docs-replica-apse1'].map(bucketArn));
    for (const action of ['s3:GetObjectVersion', 's3:GetObjectVersionTagging', 's3:RestoreObject']) {
      expect(withAction(pass, action).flatMap(subs), action).toEqual(['app-media-prod', 'app-docs-prod', 'app-media-replica-apse1', 'app-docs-replica-apse1'].map(objects));
    }
    for (const action of ['s3:PutObjectTagging', 's3:DeleteObject']) expect(withAction(pass, action).flatMap(subs), action).toEqual(['app-media-prod', 'app-docs-prod'].map(objects));
    expect(withAction(pass, 's3:PutObject').flatMap(subs)).toEqual([...['app-media-prod', 'app-docs-prod'].map(objects), LISTING]);
    expect(JSON.stringify(pass)).not.toContain('DeleteObjectVersion');
  });

  it("reads and writes the media buckets with the keys the policy names for each region, only through S3", () => {
    const secondaryKey = 'arn:aws:kms:ap-southeast-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
    const d = deploy(
      policyWith((doc) => {
        doc.kms.primary = 'alias/app-media';
        doc.kms.secondary = secondaryKey;
      }),
    );
    const named = statements(d, 'media-restore-pass').filter((s) => s.Condition !== undefined && JSON.stringify(s.Resource).includes('kms'));
    expect(named).toEqual([
      {
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:kms:ap-northeast-1:${AWS::AccountId}:key/*' }],
        Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/app-media'] }, StringEquals: { 'kms:ViaService': 's3.ap-northeast-1.amazonaws.com' } },
      },
      { Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [secondaryKey], Condition: { StringEquals: { 'kms:ViaService': 's3.ap-southeast-1.amazonaws.com' } } },
    ]);
  });

  it('packages a policy without buckets: the machine and its steps are still built, and the pass has no statement on a media bucket or its keys', () => {
    const doc = parseYaml(readFileSync(join(SERVICE_DIR, 'backup-policy.yml'), 'utf8')) as Doc;
    doc.resources.buckets = [];
    const file = join(scratch, 'no-buckets.yml');
    writeFileSync(file, stringifyYaml(doc));
    for (const region of [undefined, 'ap-southeast-1']) {
      const d = deploymentFromFile({ policyPath: file, policySource: 'no-buckets.yml', policyFile: 'no-buckets.yml', stage: 'test', ...(region === undefined ? {} : { region }) });
      for (const config of Object.values(d.functions)) for (const s of config.iamRoleStatements) expect(s.Resource.length).toBeGreaterThan(0);
      if (d.role === 'secondary') {
        expect(d.stateMachines['media-restore']).toBeUndefined();
        continue;
      }
      expect(d.stateMachines['media-restore']!.events).toEqual([]);
      expect(Object.keys(d.functions).filter((fn) => fn.startsWith('media-restore-')).sort()).toEqual(MEDIA_RESTORE_STEPS);
      // …but not the replication check nor its alert, which have no bucket to act on (nor S3 anything to send them).
      expect(Object.keys(d.functions).filter((fn) => MEDIA_VERIFY.includes(fn))).toEqual([]);
      expect(Object.keys(d.resources.Resources).filter((id) => id.startsWith('MediaReplication'))).toEqual([]);
      const pass = statements(d, 'media-restore-pass');
      // Only its listing in the reports bucket (and the service key through S3 for it), and the alerts.
      expect(pass.flatMap((s) => s.Action)).toEqual(['s3:PutObject', 'kms:GenerateDataKey', ...ALERT_ONLY]);
      expect(subs(withAction(pass, 's3:PutObject')[0])).toEqual([LISTING]);
      expect(JSON.stringify(pass)).not.toMatch(/app-media|:kms:/);
      expect(statements(d, 'media-restore-record').flatMap((s) => s.Action)).toEqual(RECORD_ACTIONS);
    }
  });
});

describe("deploy/assemble.ts: the media buckets' replication check and replication-event alert (media/verify)", () => {
  const bucketArn = (name: string) => `arn:\${AWS::Partition}:s3:::${name}`;
  const objects = (name: string) => `arn:\${AWS::Partition}:s3:::${name}/*`;
  const REPLICATION_REPORTS = 'arn:${AWS::Partition}:s3:::${ReportsBucket}/replication/*';
  const ALERT_FN = { 'Fn::GetAtt': [lambdaLogicalId('alert-media-replication-failure'), 'Arn'] };
  const permissionIds = (d: Deployment) => Object.keys(d.resources.Resources).filter((id) => id.startsWith('MediaReplicationEventsPermission'));
  const outputs = (d: Deployment) => (d.resources.Outputs ?? {}) as Record<string, { Value: unknown }>;
  const twoBuckets = () =>
    policyWith((doc) => {
      doc.resources.buckets.push({ name: 'docs', bucket: 'app-docs-prod', replicaBucket: 'app-docs-replica-apse1', versioning: true });
    });

  it('deploys both functions in the primary only, asynchronous (one retry, then the failure queue), with handlers under functions/media/', () => {
    const policy = policyWith();
    const primary = deploy(policy);
    const secondary = deploy(policy, policy.regions.secondary);
    expect(primary.functions['verify-media-replication']).toMatchObject({
      handler: 'functions/media/verify-media-replication/handler.handler',
      timeout: 900,
      memorySize: 512,
      maximumRetryAttempts: 1,
      destinations: { onFailure: { arn: { 'Fn::GetAtt': ['AsyncFailureQueue', 'Arn'] }, type: 'sqs' } },
    });
    expect(primary.functions['alert-media-replication-failure']).toMatchObject({
      handler: 'functions/media/alert-media-replication-failure/handler.handler',
      timeout: 30,
      memorySize: 256,
      maximumRetryAttempts: 1,
      destinations: { onFailure: { arn: { 'Fn::GetAtt': ['AsyncFailureQueue', 'Arn'] }, type: 'sqs' } },
    });
    for (const fn of MEDIA_VERIFY) {
      expect(primary.functionMeta[fn], fn).toEqual({ component: 'media', retriedErrors: [] });
      expect(primary.functions[fn]!.vpc, fn).toBeUndefined();
      // The Lambdas' common environment only: the reports bucket comes with it (REPORTS_BUCKET).
      expect(primary.functions[fn]!.environment ?? {}, fn).toEqual({});
      expect(secondary.functions[fn], fn).toBeUndefined();
    }
  });

  it("schedules verify-media-replication daily at rds.postureSchedule in the policy's time zone, with no input; S3, not a schedule or rule, invokes the alert", () => {
    const policy = policyWith();
    const d = deploy(policy);
    expect(d.functions['verify-media-replication']!.events).toEqual([
      {
        schedule: {
          method: 'scheduler',
          rate: [policy.rds.postureSchedule],
          timezone: 'Asia/Tokyo',
          roleArn: { 'Fn::GetAtt': ['SchedulerInvokeRole', 'Arn'] },
          description: 'backup-dr: replication check of the media buckets',
          name: 'backup-dr-test-verify-media-replication',
        },
      },
    ]);
    expect(d.functions['alert-media-replication-failure']!.events).toEqual([]);
    const invoke = roleStatementsOf(d, 'SchedulerInvokeRole')[0]!.Resource;
    expect(invoke).toContainEqual({ 'Fn::GetAtt': [lambdaLogicalId('verify-media-replication'), 'Arn'] });
    expect(invoke).not.toContainEqual(ALERT_FN);
  });

  it("verify-media-replication lists the sources and replicas (a missing copy must read 404, not 403) and the reports bucket, reads objects and versions of both, and keeps its state and reports only under replication/", () => {
    const d = deploy(twoBuckets());
    const verify = statements(d, 'verify-media-replication');
    expect(verify.filter((s) => s.Action.some((a) => a.startsWith('s3:')))).toEqual([
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: ['app-media-prod', 'app-media-replica-apse1', 'app-docs-prod', 'app-docs-replica-apse1'].map((b) => ({ 'Fn::Sub': bucketArn(b) })) },
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: ['app-media-prod', 'app-media-replica-apse1', 'app-docs-prod', 'app-docs-replica-apse1'].map((b) => ({ 'Fn::Sub': objects(b) })) },
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [{ 'Fn::Sub': REPLICATION_REPORTS }] },
      // So that a first run's missing state is NoSuchKey, not AccessDenied.
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [{ 'Fn::GetAtt': ['ReportsBucket', 'Arn'] }] },
    ]);
    // Its reports are SSE-KMS with the service key, through S3 in the primary; HEAD in checksum mode of an SSE-KMS
    // object decrypts with the bucket's key (the policy's keys, through S3, in each region); then the alerts and the failure queue.
    expect(verify.flatMap((s) => s.Action).filter((a) => !a.startsWith('s3:'))).toEqual(['kms:GenerateDataKey', 'kms:Decrypt', 'kms:Decrypt', ...ALERT_ONLY, 'sqs:SendMessage', 'kms:GenerateDataKey', 'kms:Decrypt']);
    // The service key of each region by its alias (the policy names no keys), only through S3 there.
    expect(withAction(verify, 'kms:Decrypt').slice(0, 2).map((s) => s.Condition)).toEqual([
      { StringEquals: { 'kms:ViaService': 's3.ap-northeast-1.amazonaws.com' }, 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/backup-dr-test'] } },
      { StringEquals: { 'kms:ViaService': 's3.ap-southeast-1.amazonaws.com' }, 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/backup-dr-test'] } },
    ]);
    expect(withAction(verify, 'kms:GenerateDataKey')[0]).toEqual({
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey'],
      Resource: [{ 'Fn::GetAtt': ['ServiceKey', 'Arn'] }],
      Condition: { StringEquals: { 'kms:ViaService': 's3.ap-northeast-1.amazonaws.com' } },
    });
    // Nothing written, tagged or deleted in a media bucket.
    for (const s of verify.filter((x) => /app-(media|docs)-/.test(JSON.stringify(x.Resource)))) {
      expect(s.Action.filter((a) => !['s3:ListBucket', 's3:GetObject', 's3:GetObjectVersion'].includes(a)), JSON.stringify(s.Resource)).toEqual([]);
    }
  });

  it('alert-media-replication-failure may only alert (and record its failed invocations)', () => {
    const d = deploy(twoBuckets());
    expect(statements(d, 'alert-media-replication-failure').flatMap((s) => s.Action)).toEqual([...ALERT_ONLY, 'sqs:SendMessage', 'kms:GenerateDataKey', 'kms:Decrypt']);
    expect(JSON.stringify(statements(d, 'alert-media-replication-failure'))).not.toMatch(/app-(media|docs)-|s3:/);
  });

  it('lets S3 invoke the alert for each source bucket of the policy (never a replica), and outputs the function for the buckets\' event notifications', () => {
    const d = deploy(twoBuckets());
    expect(permissionIds(d)).toEqual(['MediaReplicationEventsPermission1', 'MediaReplicationEventsPermission2']);
    for (const [id, bucket] of [['MediaReplicationEventsPermission1', 'app-media-prod'], ['MediaReplicationEventsPermission2', 'app-docs-prod']] as const) {
      expect(d.resources.Resources[id], id).toMatchObject({
        Type: 'AWS::Lambda::Permission',
        Properties: { FunctionName: ALERT_FN, Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com', SourceArn: { 'Fn::Sub': bucketArn(bucket) } },
      });
    }
    expect(JSON.stringify(permissionIds(d).map((id) => d.resources.Resources[id]))).not.toMatch(/replica-apse1/);
    // No other resource lets anything invoke it.
    const invokers = Object.entries(d.resources.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Permission' && JSON.stringify(r.Properties).includes(lambdaLogicalId('alert-media-replication-failure')));
    expect(invokers.map(([id]) => id)).toEqual(permissionIds(d));
    expect(outputs(d).MediaReplicationEventsFunctionArn?.Value).toEqual(ALERT_FN);
  });

  it('lets S3 invoke the alert only on behalf of this account: SourceAccount is the account id (Ref AWS::AccountId), not the text "${AWS::AccountId}"', () => {
    // Outside Fn::Sub, "${AWS::AccountId}" is a literal string: CloudFormation does not resolve it.
    const d = deploy(policyWith());
    expect(d.resources.Resources.MediaReplicationEventsPermission1!.Properties.SourceAccount).toEqual({ Ref: 'AWS::AccountId' });
  });

  it('deploys none of it in the secondary: only the replicas of the managed buckets (media/buckets) name them there', () => {
    const policy = twoBuckets();
    const secondary = deploy(policy, policy.regions.secondary);
    for (const fn of MEDIA_VERIFY) expect(secondary.functions[fn], fn).toBeUndefined();
    expect(permissionIds(secondary)).toEqual([]);
    expect(outputs(secondary).MediaReplicationEventsFunctionArn).toBeUndefined();
    expect(JSON.stringify(roleStatementsOf(secondary, 'SchedulerInvokeRole'))).not.toContain(lambdaLogicalId('verify-media-replication'));
    // No permission, no replication role, no source bucket; nothing there names a source bucket but the
    // dashboard, which draws the replication metrics S3 publishes in the primary (it grants nothing).
    const granting = Object.entries(secondary.resources.Resources).filter(([, r]) => r.Type !== 'AWS::CloudWatch::Dashboard');
    expect(JSON.stringify(granting)).not.toMatch(/app-(media|docs)-prod|MediaReplication/);
    // What names a media bucket is each replica bucket itself (its policy names it by Ref), and nothing that grants access.
    const naming = granting.filter(([, r]) => /app-(media|docs)-/.test(JSON.stringify(r)));
    expect(naming.map(([id, r]) => [id, r.Type, r.Properties.BucketName])).toEqual([
      ['MediaReplicaBucket1', 'AWS::S3::Bucket', 'app-media-replica-apse1'],
      ['MediaReplicaBucket2', 'AWS::S3::Bucket', 'app-docs-replica-apse1'],
    ]);
  });

  it('deploys neither function, nor a permission, nor the output, for a policy without buckets', () => {
    const policy = policyWith((doc) => {
      doc.resources.buckets = [];
    });
    for (const region of [policy.regions.primary, policy.regions.secondary]) {
      const d = deploy(policy, region);
      for (const fn of MEDIA_VERIFY) expect(d.functions[fn], `${region} ${fn}`).toBeUndefined();
      expect(permissionIds(d), region).toEqual([]);
      expect(Object.values(d.resources.Resources).filter((r) => r.Type === 'AWS::Lambda::Permission' && JSON.stringify(r.Properties).includes('s3.amazonaws.com')), region).toEqual([]);
      expect(outputs(d).MediaReplicationEventsFunctionArn, region).toBeUndefined();
      expect(JSON.stringify(roleStatementsOf(d, 'SchedulerInvokeRole')), region).not.toContain(lambdaLogicalId('verify-media-replication'));
    }
  });
});

describe('deploy/assemble.ts: the managed media buckets (media/buckets)', () => {
  const bucketArn = (name: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${name}` });
  const objects = (name: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${name}/*` });
  const serviceKeyArn = (region: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:kms:${region}:\${AWS::AccountId}:alias/backup-dr-test` });
  /** The resources media/buckets adds (and nothing else starts so). */
  const bucketIds = (d: Deployment) => Object.keys(d.resources.Resources).filter((id) => /^Media(Bucket|ReplicaBucket|ReplicationRole$)/.test(id));
  const resource = (d: Deployment, id: string) => {
    const r = d.resources.Resources[id];
    if (r === undefined) throw new Error(`no ${id}`);
    return r as { Type: string; Properties: Record<string, any>; DependsOn?: readonly string[]; DeletionPolicy?: string; UpdateReplacePolicy?: string };
  };
  const encryptionKey = (d: Deployment, id: string) => resource(d, id).Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID;
  const lifecycleRule = (d: Deployment, id: string) => resource(d, id).Properties.LifecycleConfiguration.Rules[0] as Record<string, any>;
  const withBucket = (change: (bucket: Doc) => void) =>
    policyWith((doc) => {
      change(doc.resources.buckets[0]);
    });

  it('the team policy: the source bucket and S3\'s replication role in the primary, the replica in the secondary, each bucket with its TLS-only policy', () => {
    const policy = policyWith();
    expect(bucketIds(deploy(policy))).toEqual(['MediaBucket1', 'MediaBucket1Policy', 'MediaReplicationRole']);
    expect(bucketIds(deploy(policy, policy.regions.secondary))).toEqual(['MediaReplicaBucket1', 'MediaReplicaBucket1Policy']);
    expect(policy.resources.buckets[0]!.managed).toBe(true);
  });

  it('`managed` defaults to true: a bucket that does not say is created and replicated by the stack', () => {
    const policy = withBucket((bucket) => {
      delete bucket.managed;
    });
    expect(policy.resources.buckets[0]!.managed).toBe(true);
    expect(bucketIds(deploy(policy))).toEqual(['MediaBucket1', 'MediaBucket1Policy', 'MediaReplicationRole']);
    expect(bucketIds(deploy(policy, policy.regions.secondary))).toEqual(['MediaReplicaBucket1', 'MediaReplicaBucket1Policy']);
  });

  it('`managed: false`: no bucket, bucket policy or replication role in either region — but the functions, S3\'s invoke permission and its output still, for the notifications the owning stack declares', () => {
    const policy = withBucket((bucket) => {
      bucket.managed = false;
    });
    const primary = deploy(policy);
    const secondary = deploy(policy, policy.regions.secondary);
    for (const d of [primary, secondary]) {
      expect(bucketIds(d), d.region).toEqual([]);
      // No bucket of the policy's is declared (only the service's own: reports, exports).
      const buckets = Object.values(d.resources.Resources).filter((r) => r.Type === 'AWS::S3::Bucket' || r.Type === 'AWS::S3::BucketPolicy');
      expect(JSON.stringify(buckets), d.region).not.toMatch(/app-media-/);
      // Nothing S3 may assume.
      expect(Object.values(d.resources.Resources).filter((r) => r.Type === 'AWS::IAM::Role' && JSON.stringify(r.Properties).includes('s3.amazonaws.com') && JSON.stringify(r.Properties).includes('app-media-')), d.region).toEqual([]);
    }
    for (const fn of [...MEDIA_VERIFY, ...MEDIA_RESTORE_STEPS]) expect(primary.functions[fn], fn).toBeDefined();
    expect(primary.stateMachines['media-restore']).toBeDefined();
    expect(primary.resources.Resources.MediaReplicationEventsPermission1).toMatchObject({ Type: 'AWS::Lambda::Permission', Properties: { SourceArn: bucketArn('app-media-prod') } });
    expect((primary.resources.Outputs as Record<string, { Value: unknown }>).MediaReplicationEventsFunctionArn?.Value).toEqual({ 'Fn::GetAtt': [lambdaLogicalId('alert-media-replication-failure'), 'Arn'] });
    // The functions act on it exactly as on a managed one.
    expect(statements(primary, 'verify-media-replication')).toEqual(statements(deploy(policyWith()), 'verify-media-replication'));
    expect(statements(primary, 'media-restore-pass')).toEqual(statements(deploy(policyWith()), 'media-restore-pass'));
  });

  it('a policy mixing both: only the managed bucket is declared, numbered by its place in the policy, depending on its own invoke permission; the replication role names only it', () => {
    const policy = policyWith((doc) => {
      doc.resources.buckets[0].managed = false;
      doc.resources.buckets.push({ name: 'docs', bucket: 'app-docs-prod', replicaBucket: 'app-docs-replica-apse1', lifecycle: { noncurrentExpireAfter: '90d' } });
    });
    const primary = deploy(policy);
    const secondary = deploy(policy, policy.regions.secondary);
    expect(bucketIds(primary)).toEqual(['MediaBucket2', 'MediaBucket2Policy', 'MediaReplicationRole']);
    expect(bucketIds(secondary)).toEqual(['MediaReplicaBucket2', 'MediaReplicaBucket2Policy']);
    expect(resource(primary, 'MediaBucket2').Properties.BucketName).toBe('app-docs-prod');
    expect(resource(secondary, 'MediaReplicaBucket2').Properties.BucketName).toBe('app-docs-replica-apse1');
    expect(resource(primary, 'MediaBucket2').DependsOn).toEqual(['MediaReplicationEventsPermission2']);
    expect(resource(primary, 'MediaReplicationEventsPermission2').Properties.SourceArn).toEqual(bucketArn('app-docs-prod'));
    const role = roleStatementsOf(primary, 'MediaReplicationRole');
    expect(JSON.stringify(role)).not.toMatch(/app-media-/);
    expect(role.filter((s) => s.Action.some((a) => a.startsWith('s3:'))).map((s) => s.Resource)).toEqual([[bucketArn('app-docs-prod')], [objects('app-docs-prod')], [objects('app-docs-replica-apse1')]]);
    // No lifecycle transitions asked for: none declared; the noncurrent versions' expiry in both regions.
    const { Transitions, ...rule } = lifecycleRule(primary, 'MediaBucket2');
    expect(Transitions).toBeUndefined();
    expect(rule).toEqual({ Id: 'media-lifecycle', Status: 'Enabled', Prefix: '', NoncurrentVersionExpiration: { NoncurrentDays: 90 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } });
    expect(lifecycleRule(secondary, 'MediaReplicaBucket2').NoncurrentVersionExpiration).toEqual({ NoncurrentDays: 90 });
  });

  it('two managed buckets: one replication role for both, each bucket replicating to its own replica', () => {
    const policy = policyWith((doc) => {
      doc.resources.buckets.push({ name: 'docs', bucket: 'app-docs-prod', replicaBucket: 'app-docs-replica-apse1' });
    });
    const primary = deploy(policy);
    expect(bucketIds(primary)).toEqual(['MediaBucket1', 'MediaBucket1Policy', 'MediaBucket2', 'MediaBucket2Policy', 'MediaReplicationRole']);
    expect(bucketIds(deploy(policy, policy.regions.secondary))).toEqual(['MediaReplicaBucket1', 'MediaReplicaBucket1Policy', 'MediaReplicaBucket2', 'MediaReplicaBucket2Policy']);
    for (const [id, replica] of [['MediaBucket1', 'app-media-replica-apse1'], ['MediaBucket2', 'app-docs-replica-apse1']] as const) {
      const replication = resource(primary, id).Properties.ReplicationConfiguration;
      expect(replication.Role, id).toEqual({ 'Fn::GetAtt': ['MediaReplicationRole', 'Arn'] });
      // The team's bucket names an archive bucket too (its second rule); docs none.
      expect(replication.Rules.map((r: Doc) => r.Destination.Bucket), id).toEqual(id === 'MediaBucket1' ? [bucketArn(replica), bucketArn('app-media-archive-apse2')] : [bucketArn(replica)]);
    }
    const replicate = withAction(roleStatementsOf(primary, 'MediaReplicationRole'), 's3:ReplicateObject');
    expect(replicate.map((s) => s.Resource)).toEqual([[objects('app-media-replica-apse1'), objects('app-docs-replica-apse1')], [objects('app-media-archive-apse2')]]);
  });

  it('a policy without buckets: none of them in either region', () => {
    const policy = policyWith((doc) => {
      doc.resources.buckets = [];
    });
    for (const region of [policy.regions.primary, policy.regions.secondary]) expect(bucketIds(deploy(policy, region)), region).toEqual([]);
  });

  it("encrypts with the keys the policy names: kms.primary's alias in the primary's region (its alias ARN), kms.secondary's ARN as given — and the replication role uses exactly those, through S3", () => {
    const secondaryKey = 'arn:aws:kms:ap-southeast-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
    const policy = policyWith((doc) => {
      doc.kms.primary = 'alias/app-media';
      doc.kms.secondary = secondaryKey;
    });
    const primary = deploy(policy);
    const secondary = deploy(policy, policy.regions.secondary);
    expect(encryptionKey(primary, 'MediaBucket1')).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:kms:ap-northeast-1:${AWS::AccountId}:alias/app-media' });
    expect(resource(primary, 'MediaBucket1').Properties.ReplicationConfiguration.Rules[0].Destination.EncryptionConfiguration).toEqual({ ReplicaKmsKeyID: secondaryKey });
    expect(encryptionKey(secondary, 'MediaReplicaBucket1')).toBe(secondaryKey);
    expect(roleStatementsOf(primary, 'MediaReplicationRole').filter((s) => s.Action.some((a) => a.startsWith('kms:')))).toEqual([
      {
        Effect: 'Allow',
        Action: ['kms:Decrypt'],
        Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:kms:ap-northeast-1:${AWS::AccountId}:key/*' }],
        Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/app-media'] }, StringEquals: { 'kms:ViaService': 's3.ap-northeast-1.amazonaws.com' } },
      },
      { Effect: 'Allow', Action: ['kms:Encrypt'], Resource: [secondaryKey], Condition: { StringEquals: { 'kms:ViaService': 's3.ap-southeast-1.amazonaws.com' } } },
      // The archive region's own key (the policy names no kms.archive), through S3 there.
      {
        Effect: 'Allow',
        Action: ['kms:Encrypt'],
        Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:kms:ap-southeast-2:${AWS::AccountId}:key/*' }],
        Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/backup-dr-test'] }, StringEquals: { 'kms:ViaService': 's3.ap-southeast-2.amazonaws.com' } },
      },
    ]);
    expect(JSON.stringify([resource(primary, 'MediaBucket1').Properties.BucketEncryption, resource(primary, 'MediaBucket1').Properties.ReplicationConfiguration.Rules[0], resource(secondary, 'MediaReplicaBucket1')])).not.toContain('backup-dr-test');
  });

  it('names a key given by id by its key ARN in its region', () => {
    const id = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
    const policy = policyWith((doc) => {
      doc.kms.secondary = id;
    });
    const keyArn = { 'Fn::Sub': `arn:\${AWS::Partition}:kms:ap-southeast-1:\${AWS::AccountId}:key/${id}` };
    expect(encryptionKey(deploy(policy, policy.regions.secondary), 'MediaReplicaBucket1')).toEqual(keyArn);
    expect(resource(deploy(policy), 'MediaBucket1').Properties.ReplicationConfiguration.Rules[0].Destination.EncryptionConfiguration).toEqual({ ReplicaKmsKeyID: keyArn });
    // The primary keeps the service key.
    expect(encryptionKey(deploy(policy), 'MediaBucket1')).toEqual(serviceKeyArn('ap-northeast-1'));
  });

  it.each([
    ['7d', 30],
    ['36h', 30],
    ['29d', 30],
    ['30d', 30],
    ['45d', 45],
    ['2m', 60],
  ])('infrequentAccessAfter %s: Standard-IA after %i days (S3 refuses fewer than 30)', (after, days) => {
    const policy = withBucket((bucket) => {
      bucket.lifecycle = { infrequentAccessAfter: after, glacierAfter: '180d' };
    });
    expect(lifecycleRule(deploy(policy), 'MediaBucket1').Transitions).toEqual([
      { StorageClass: 'STANDARD_IA', TransitionInDays: days },
      { StorageClass: 'GLACIER', TransitionInDays: 180 },
    ]);
  });

  it.each([
    [{ infrequentAccessAfter: '7d', glacierAfter: '30d' }, /resources\.buckets\[0\]\.lifecycle\.glacierAfter \(30 days\) of media must come at least 30 days after infrequentAccessAfter \(30 days/],
    [{ glacierAfter: '90d', deepArchiveAfter: '60d' }, /resources\.buckets\[0\]\.lifecycle\.deepArchiveAfter \(60 days\) of media must come after glacierAfter \(90 days\)/],
    [{ infrequentAccessAfter: '30d', deepArchiveAfter: '45d' }, /deepArchiveAfter \(45 days\) of media must come at least 30 days after infrequentAccessAfter \(30 days\)/],
  ])('refuses transitions S3 would refuse at deploy time, naming the field: %o', (lifecycle, message) => {
    const policy = withBucket((bucket) => {
      bucket.lifecycle = lifecycle;
    });
    expect(() => deploy(policy)).toThrow(message);
  });

  it('counts a month as 30 days and a year as 365 in the transitions and the noncurrent expiry, and leaves out what the policy leaves out', () => {
    const policy = withBucket((bucket) => {
      bucket.lifecycle = { glacierAfter: '3m', deepArchiveAfter: '2y', noncurrentExpireAfter: '6m' };
    });
    const rule = lifecycleRule(deploy(policy), 'MediaBucket1');
    expect(rule.Transitions).toEqual([
      { StorageClass: 'GLACIER', TransitionInDays: 90 },
      { StorageClass: 'DEEP_ARCHIVE', TransitionInDays: 730 },
    ]);
    expect(rule.NoncurrentVersionExpiration).toEqual({ NoncurrentDays: 180 });
    expect(lifecycleRule(deploy(policy, policy.regions.secondary), 'MediaReplicaBucket1').NoncurrentVersionExpiration).toEqual({ NoncurrentDays: 180 });
  });

  it('without noncurrentExpireAfter keeps every version in both regions (no noncurrent expiry)', () => {
    const policy = withBucket((bucket) => {
      delete bucket.lifecycle.noncurrentExpireAfter;
    });
    const source = lifecycleRule(deploy(policy), 'MediaBucket1');
    const replica = lifecycleRule(deploy(policy, policy.regions.secondary), 'MediaReplicaBucket1');
    expect(source).not.toHaveProperty('NoncurrentVersionExpiration');
    expect(source).not.toHaveProperty('ExpirationInDays');
    expect(replica).toEqual({ Id: 'replica-versions', Status: 'Enabled', Prefix: '', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } });
  });

  it('tags both buckets with the policy\'s owner tag', () => {
    const policy = policyWith((doc) => {
      doc.tags.owner = 'team:owner';
    });
    expect(resource(deploy(policy), 'MediaBucket1').Properties.Tags).toEqual([{ Key: 'team:owner', Value: 'backup-dr' }]);
    expect(resource(deploy(policy, policy.regions.secondary), 'MediaReplicaBucket1').Properties.Tags).toEqual([{ Key: 'team:owner', Value: 'backup-dr' }]);
  });
});

describe('deploy/assemble.ts: reports bucket and validation network', () => {
  it("names the reports bucket per stage, account and region; validate-restore reads its own region's (no MANIFEST_BUCKET)", () => {
    expect(reportsBucketSub('prod', 'ap-southeast-1')).toBe('backup-dr-reports-prod-${AWS::AccountId}-ap-southeast-1');
    const policy = policyWith();
    const secondary = deploy(policy, policy.regions.secondary);
    expect(secondary.resources.Resources.ReportsBucket!.Properties.BucketName).toEqual({
      'Fn::Sub': 'backup-dr-reports-test-${AWS::AccountId}-ap-southeast-1',
    });
    expect(secondary.functions['validate-restore']!.environment).toBeUndefined();
  });

  it('refuses a stage that cannot be part of a bucket name', () => {
    const policy = policyWith();
    expect(() => deploy(policy, policy.regions.primary, { stage: 'Prod' })).toThrow(/stage "Prod" cannot be part of an S3 bucket name/);
    expect(() => deploy(policy, policy.regions.primary, { stage: 'a-very-long-stage-name-indeed' })).toThrow(/S3 allows 63/);
  });

  it("lets capture-cache-manifest read only the AUTH secrets the policy's caches name, and none when none is named", () => {
    const policy = policyWith((doc) => {
      doc.resources.caches[0].validation = { authSecret: 'backup-dr/app-redis-auth' };
    });
    const [read] = withAction(statements(deploy(policy), 'capture-cache-manifest'), 'secretsmanager:GetSecretValue');
    expect(read!.Resource).toEqual([{ 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:${policy.regions.primary}:\${AWS::AccountId}:secret:backup-dr/app-redis-auth-??????` }]);
    expect(withAction(statements(deploy(policyWith()), 'capture-cache-manifest'), 'secretsmanager:GetSecretValue')).toEqual([]);
  });

  it('puts validate-restore, capture-db-manifest, capture-cache-manifest, validate-cache-restore and database-recovery-copy (only) in the validation VPC when given, and warns when not', () => {
    const policy = policyWith();
    const network = { subnetIds: ['subnet-0a1b2c3d', 'subnet-0e1f2a3b'], securityGroupIds: ['sg-0123abcd'] };
    // network.egress "endpoints" (the policy's): the VPC and its route tables too (tests/infra/network.test.ts).
    const d = deploy(policy, policy.regions.primary, { validationNetwork: { ...network, vpcId: 'vpc-0a1b2c3d', routeTableIds: ['rtb-0a1b2c3d'] } });
    expect(d.warnings).toEqual([]);
    for (const [name, config] of Object.entries(d.functions)) {
      expect(config.vpc, name).toEqual(['validate-restore', 'capture-db-manifest', 'capture-cache-manifest', 'validate-cache-restore', 'database-recovery-copy'].includes(name) ? network : undefined);
    }
    const bare = deploy(policy);
    expect(Object.values(bare.functions).every((config) => config.vpc === undefined)).toBe(true);
    expect(bare.warnings).toEqual([expect.stringContaining('packaged WITHOUT a VPC')]);
  });

  it('refuses a half-given or malformed validation network', () => {
    const policy = policyWith();
    const attempt = (validationNetwork: DeploymentInput['validationNetwork']) => () => deploy(policy, policy.regions.primary, { validationNetwork });
    expect(attempt({ subnetIds: ['subnet-0a1b2c3d'] })).toThrow(/give both validationSubnets and validationSecurityGroups/);
    expect(attempt({ subnetIds: ['subnet-0a1b2c3d'], securityGroupIds: ['0123abcd'] })).toThrow(/"0123abcd" is not a security group id/);
    expect(attempt({ subnetIds: ['vpc-0a1b2c3d'], securityGroupIds: ['sg-0123abcd'] })).toThrow(PackagingError);
  });
});

describe('check-db-anomalies', () => {
  it('may read the manifests, record its judgements, and set or clear only the quarantine tag on snapshots of ours in both regions', () => {
    const policy = policyWith();
    const list = statements(deploy(policy), 'check-db-anomalies');
    expect(withAction(list, 's3:ListBucket')[0]!.Condition).toEqual({ StringLike: { 's3:prefix': ['manifests/*', 'anomalies/*'] } });
    expect(subs(withAction(list, 's3:PutObject')[0])).toEqual(['arn:${AWS::Partition}:s3:::${ReportsBucket}/anomalies/*']);
    for (const action of ['rds:AddTagsToResource', 'rds:RemoveTagsFromResource']) {
      const [statement] = withAction(list, action);
      expect(subs(statement)).toEqual([`arn:\${AWS::Partition}:rds:${policy.regions.primary}:\${AWS::AccountId}:snapshot:backup-dr-*`, `arn:\${AWS::Partition}:rds:${policy.regions.secondary}:\${AWS::AccountId}:snapshot:backup-dr-*`]);
      expect(statement!.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/backup-dr:owner': 'backup-dr' }, 'ForAllValues:StringEquals': { 'aws:TagKeys': ['backup-dr:quarantine'] } });
    }
    expect(deploy(policy, policy.regions.secondary).functions['check-db-anomalies']).toBeUndefined();
  });
});
