// Infrastructure: `osls package` offline, then assertions on the generated CloudFormation and on the
// zips. Packaged once per region role in beforeAll: the secondary into a temporary directory first
// (osls' `--package DIR` deletes `.serverless/`), then the primary into `.serverless/` (what
// `npm run package` produces). An invalid policy and a region without a role must fail packaging.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  runPackage,
  SERVICE_DIR,
  type CfnResource,
  type PackageRun,
  type Template,
} from '../../deploy/bundles.js';
import { loadPolicyFile } from '../../shared/policy/load.js';

const policy = loadPolicyFile(join(SERVICE_DIR, 'backup-policy.yml'));
const PRIMARY = policy.regions.primary;
const SECONDARY = policy.regions.secondary;
const STAGE = 'dev';
const OWNER_CONDITION = { 'aws:ResourceTag/backup-dr:owner': 'backup-dr' };

const scratch = mkdtempSync(join(tmpdir(), 'backup-dr-infra-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const SECONDARY_DIR = join(scratch, 'secondary');

let primary: Template;
let secondary: Template;
let invalidPolicyRun: PackageRun;
let noRoleRun: PackageRun;

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

  const secondaryRun = await runPackage({ region: SECONDARY, packageDir: SECONDARY_DIR });
  if (secondaryRun.status !== 0) throw new Error(`packaging the secondary failed:\n${secondaryRun.output}`);
  const primaryRun = await runPackage();
  if (primaryRun.status !== 0) throw new Error(`packaging the primary failed:\n${primaryRun.output}`);
  primary = readTemplate(DEFAULT_PACKAGE_DIR);
  secondary = readTemplate(SECONDARY_DIR);
}, 240_000);

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

const ALERT_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey*', 'sns:Publish'];
const EXPECTED_ACTIONS: Record<string, string[]> = {
  'take-db-snapshot': ['rds:AddTagsToResource', 'rds:CreateDBSnapshot', 'rds:DescribeDBInstances', ...ALERT_ACTIONS],
  'copy-db-snapshots': [
    'kms:CreateGrant', 'kms:DescribeKey', 'kms:Encrypt', 'kms:ReEncrypt*',
    'rds:AddTagsToResource', 'rds:CopyDBSnapshot', 'rds:DescribeDBSnapshots', ...ALERT_ACTIONS,
  ],
  'verify-db-snapshots': ['kms:DescribeKey', 'rds:AddTagsToResource', 'rds:DescribeDBSnapshots', 'rds:RemoveTagsFromResource', ...ALERT_ACTIONS],
  'prune-db-snapshots': ['rds:DeleteDBSnapshot', 'rds:DescribeDBSnapshots', ...ALERT_ACTIONS],
  'check-db-posture': ['rds:DescribeAccountAttributes', 'rds:DescribeDBInstanceAutomatedBackups', 'rds:DescribeDBInstances', 'rds:DescribeDBSnapshots', ...ALERT_ACTIONS],
};

// ---- failures ------------------------------------------------------------------------------------------

describe('packaging refuses', () => {
  it('an invalid policy, naming the field', () => {
    expect(invalidPolicyRun.status).not.toBe(0);
    expect(invalidPolicyRun.output).toContain('broken-policy.yml is invalid');
    expect(invalidPolicyRun.output).toContain('resources.databases[0].schedule');
  });

  it('a region that is neither primary nor secondary in the policy', () => {
    expect(noRoleRun.status).not.toBe(0);
    expect(noRoleRun.output).toContain('region us-east-1 has no role in backup-policy.yml');
    expect(noRoleRun.output).toContain(`--region ${SECONDARY}`);
  });
});

// ---- functions per role ---------------------------------------------------------------------------------

describe.each([
  ['primary', () => primary, ['check-db-posture', 'copy-db-snapshots', 'prune-db-snapshots', 'take-db-snapshot']],
  ['secondary', () => secondary, ['prune-db-snapshots', 'verify-db-snapshots']],
] as const)('the %s deployment', (role, template, expected) => {
  it('has exactly the functions of its role', () => {
    expect([...lambdas(template()).keys()].sort()).toEqual([...expected]);
  });

  it('runs them on nodejs22.x arm64 with the role, topic, policy file and service name in the environment', () => {
    for (const { resource } of lambdas(template()).values()) {
      expect(props(resource).Runtime).toBe('nodejs22.x');
      expect(props(resource).Architectures).toEqual(['arm64']);
      expect(props(resource).Environment.Variables).toEqual({
        REGION_ROLE: role,
        ALERTS_TOPIC_ARN: { Ref: 'AlertsTopic' },
        POLICY_FILE: 'backup-policy.yml',
        POWERTOOLS_SERVICE_NAME: 'backup-dr',
      });
    }
  });

  it('retries a failed asynchronous (scheduled or event) invocation once', () => {
    const configs = ofType(template(), 'AWS::Lambda::EventInvokeConfig').map(([, r]) => props(r));
    expect(configs).toHaveLength(expected.length);
    for (const config of configs) expect(config.MaximumRetryAttempts).toBe(1);
  });

  it('gives each function a role of its own, and leaves no shared role behind', () => {
    const roleIds = [...lambdas(template()).values()].map(({ resource }) => (props(resource).Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]);
    expect(new Set(roleIds).size).toBe(expected.length);
    expect(template().Resources.IamRoleLambdaExecution).toBeUndefined();
    const functionRoles = ofType(template(), 'AWS::IAM::Role').filter(([id]) => id !== 'SchedulerInvokeRole');
    expect(functionRoles.map(([id]) => id).sort()).toEqual([...roleIds].sort());
    for (const [, role] of functionRoles) {
      const trusted = (props(role).AssumeRolePolicyDocument.Statement as { Principal: { Service: string[] } }[]).flatMap((s) => s.Principal.Service);
      expect(trusted).toEqual(['lambda.amazonaws.com']);
    }
  });

  it('grants each function exactly the actions its code calls', () => {
    for (const fn of expected) expect(actionSet(template(), fn), fn).toEqual([...EXPECTED_ACTIONS[fn]!].sort());
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
        if (resources(s).includes('*')) expect(actions(s), fn).toEqual(['rds:DescribeAccountAttributes']);
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
        expect(s.Condition?.['ForAnyValue:StringEquals']).toEqual({ 'kms:ResourceAliases': ['alias/backup-dr'] });
      }
    }
  });

  it('lets only prune delete snapshots: ours, in its own region, carrying our owner tag', () => {
    const region = role === 'primary' ? PRIMARY : SECONDARY;
    for (const fn of expected) {
      for (const s of roleStatements(template(), fn)) {
        const deletes = actions(s).filter((a) => /^(\*|rds:\*|rds:Delete.*)$/i.test(a));
        if (deletes.length === 0 || s.Effect !== 'Allow') continue;
        expect(fn).toBe('prune-db-snapshots');
        expect(deletes).toEqual(['rds:DeleteDBSnapshot']);
        expect(s.Condition).toEqual({ StringEquals: OWNER_CONDITION });
        expect(resources(s).map(subText)).toEqual([snapshotArn(region, 'backup-dr-*')]);
      }
    }
    expect(statementsFor(template(), 'prune-db-snapshots', 'rds:DeleteDBSnapshot')).toHaveLength(1);
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
    expect(keyStatements).toContainEqual(
      expect.objectContaining({ Principal: { Service: ['sns.amazonaws.com', 'cloudwatch.amazonaws.com', 'events.amazonaws.com'] }, Action: ['kms:GenerateDataKey*', 'kms:Decrypt'] }),
    );
    const viaRds = keyStatements.filter((s) => s.Condition?.StringEquals?.['kms:ViaService'] !== undefined);
    expect(viaRds.length).toBeGreaterThan(0);
    for (const s of viaRds) expect(s.Condition?.StringEquals?.['kms:ViaService']).toEqual({ 'Fn::Sub': 'rds.${AWS::Region}.amazonaws.com' });
    expect(viaRds.flatMap(actions)).toContain('kms:CreateGrant');
    expect(props(t.Resources.ServiceKeyAlias)).toEqual({ AliasName: 'alias/backup-dr', TargetKeyId: { Ref: 'ServiceKey' } });

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
    const schedules = ofType(t, 'AWS::Scheduler::Schedule').map(([, r]) => props(r));
    expect(schedules.length).toBeGreaterThan(0);
    for (const s of schedules) {
      expect(s.ScheduleExpressionTimezone).toBe('Asia/Tokyo');
      expect(s.Target.RoleArn).toEqual(getAtt('SchedulerInvokeRole'));
      expect(s.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
    }
    const targets = [...new Set(schedules.map((s) => JSON.stringify(s.Target.Arn)))].map((j) => JSON.parse(j) as unknown);
    expect(targets).toHaveLength(expected.length); // every function runs on a schedule

    const role = props(t.Resources.SchedulerInvokeRole);
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'scheduler.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } },
    ]);
    const statements = (role.Policies as { PolicyDocument: { Statement: PolicyStatement[] } }[]).flatMap((p) => p.PolicyDocument.Statement);
    expect(statements).toHaveLength(1);
    expect(statements[0]!.Action).toEqual(['lambda:InvokeFunction']);
    expect(resources(statements[0]!)).toHaveLength(targets.length);
    expect(resources(statements[0]!)).toEqual(expect.arrayContaining(targets));
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
  it('take-db-snapshot: one schedule per database, at its time, for that database only', () => {
    const schedules = schedulesOf(primary, 'take-db-snapshot');
    expect(schedules).toHaveLength(policy.resources.databases.length);
    const appDb = schedules.find((s) => (JSON.parse(String(s.Target.Input)) as { resources: string[] }).resources.includes('app-db'));
    expect(appDb).toBeDefined();
    expect(appDb!.ScheduleExpression).toBe('cron(0 2 * * ? *)');
    expect(appDb!.ScheduleExpressionTimezone).toBe('Asia/Tokyo');
    expect(JSON.parse(String(appDb!.Target.Input))).toEqual({ resources: ['app-db'], scheduledTime: '<aws.scheduler.scheduled-time>' });
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

  it('prune-db-snapshots (both regions) and check-db-posture: their daily schedules', () => {
    expect(schedulesOf(primary, 'prune-db-snapshots').map((s) => s.ScheduleExpression)).toEqual([policy.rds.pruneSchedule]);
    expect(schedulesOf(secondary, 'prune-db-snapshots').map((s) => s.ScheduleExpression)).toEqual([policy.rds.pruneSchedule]);
    expect(schedulesOf(primary, 'check-db-posture').map((s) => s.ScheduleExpression)).toEqual([policy.rds.postureSchedule]);
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

  it('copy-db-snapshots copies backup-dr-* snapshots and tags only the copies in the secondary region', () => {
    const [copy] = statementsFor(primary, 'copy-db-snapshots', 'rds:CopyDBSnapshot');
    expect(resources(copy!).map(subText)).toEqual([snapshotArn(PRIMARY, 'backup-dr-*'), snapshotArn(SECONDARY, 'backup-dr-*')]);
    const [tag] = statementsFor(primary, 'copy-db-snapshots', 'rds:AddTagsToResource');
    expect(resources(tag!).map(subText)).toEqual([snapshotArn(SECONDARY, 'backup-dr-*')]);
    expect(tag!.Condition).toEqual({ StringEquals: { 'aws:RequestTag/backup-dr:owner': 'backup-dr' } });
    const kmsRegions = statementsFor(primary, 'copy-db-snapshots', 'kms:Encrypt').flatMap((s) => resources(s).map(subText));
    expect(kmsRegions).toEqual([`arn:\${AWS::Partition}:kms:${PRIMARY}:\${AWS::AccountId}:key/*`, `arn:\${AWS::Partition}:kms:${SECONDARY}:\${AWS::AccountId}:key/*`]);
    for (const s of statementsFor(primary, 'copy-db-snapshots', 'kms:Encrypt')) {
      expect(s.Condition).toEqual({ 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/backup-dr'] } });
    }
  });

  it('verify-db-snapshots sets and clears only its verdict tags, only on copies carrying our owner tag', () => {
    const [tag] = statementsFor(secondary, 'verify-db-snapshots', 'rds:AddTagsToResource');
    expect(tag!.Condition).toEqual({
      StringEquals: OWNER_CONDITION,
      'ForAllValues:StringEquals': { 'aws:TagKeys': ['backup-dr:verified-at', 'backup-dr:verification-failed'] },
    });
    expect(resources(tag!).map(subText)).toEqual([snapshotArn(SECONDARY, 'backup-dr-*')]);
    const [untag] = statementsFor(secondary, 'verify-db-snapshots', 'rds:RemoveTagsFromResource');
    expect(untag!.Condition).toEqual({ StringEquals: OWNER_CONDITION, 'ForAllValues:StringEquals': { 'aws:TagKeys': ['backup-dr:verification-failed'] } });
    expect(resources(untag!).map(subText)).toEqual([snapshotArn(SECONDARY, 'backup-dr-*')]);
  });

  it('check-db-posture does not get StartDBInstanceAutomatedBackupsReplication while no database enforces it', () => {
    expect(policy.resources.databases.some((db) => db.automatedBackups.enforce)).toBe(false);
    expect(statementsFor(primary, 'check-db-posture', 'rds:StartDBInstanceAutomatedBackupsReplication')).toEqual([]);
  });

  it('reads snapshots of both regions where the code does (Describe calls list them)', () => {
    for (const [t, fn] of [[primary, 'copy-db-snapshots'], [secondary, 'verify-db-snapshots'], [primary, 'prune-db-snapshots'], [primary, 'check-db-posture']] as const) {
      const described = statementsFor(t, fn, 'rds:DescribeDBSnapshots').flatMap((s) => resources(s).map(subText));
      expect(described, fn).toEqual(expect.arrayContaining([snapshotArn(PRIMARY, '*'), snapshotArn(SECONDARY, '*')]));
    }
    // The secondary's prune reads only its own region.
    const secondaryPrune = statementsFor(secondary, 'prune-db-snapshots', 'rds:DescribeDBSnapshots').flatMap((s) => resources(s).map(subText));
    expect(secondaryPrune.every((arn) => String(arn).includes(`:rds:${SECONDARY}:`))).toBe(true);
  });
});

// ---- the bundles --------------------------------------------------------------------------------------------

describe('function packages', () => {
  const policyText = () => readFileSync(join(SERVICE_DIR, 'backup-policy.yml'));

  it.each([
    ['primary', () => DEFAULT_PACKAGE_DIR, PRIMARY],
    ['secondary', () => SECONDARY_DIR, SECONDARY],
  ] as const)('%s: each zip (≤ 1 MB) holds the bundle and the policy, and its handler loads without calling AWS', (_role, dir, region) => {
    const functions = packagedFunctions(dir());
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      expect(readFileSync(fn.zip).length, `${fn.name}.zip size`).toBeLessThanOrEqual(1024 * 1024);
      const root = mkdtempSync(join(scratch, `${fn.name}-`));
      const files = extractZip(fn.zip, root);
      expect(files, fn.name).toContain('backup-policy.yml');
      expect(readFileSync(join(root, 'backup-policy.yml')).equals(policyText()), `${fn.name}: packaged policy`).toBe(true);
      // Only the bundle and the policy: no node_modules, no sources, no tests.
      expect(files.filter((f) => f !== 'backup-policy.yml'), fn.name).toEqual([`functions/${fn.name}/handler.mjs`]);
      const { file, exportName } = handlerModule(fn.handler, files);
      const loaded = loadHandler(root, file, exportName, { ...lambdaEnvironment(fn, region), AWS_REGION: region });
      expect(loaded.handlerType, fn.name).toBe('function');
      expect(loaded.connections, `${fn.name} connected at import`).toEqual([]);
    }
  });
});
