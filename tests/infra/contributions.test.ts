// deploy/ as contributions, without packaging: the platform modules built in code (the Lambdas'
// environment from the ENV contract, the alert path that serverless.yml used to declare), how the
// assembler composes components (handler paths by component, conflicts refused, the alarm and dashboard
// hooks), and the shape of deploy/ itself (small files, naming contracts imported, not rewritten).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { buildDeployment, CONTRIBUTIONS } from '../../deploy/assemble.js';
import { SERVICE_DIR } from '../../deploy/bundles.js';
import { PackagingError } from '../../deploy/core/cloudformation.js';
import type { Contribution, Deployment, DeploymentInput, FunctionSpec } from '../../deploy/core/contribution.js';
import { alertsTopicName, ENV, PREFIX, RDS_EVENT, REPORT_PREFIX, SERVICE, TAG } from '../../shared/contracts.js';
import { parsePolicy } from '../../shared/policy/load.js';
import type { Policy } from '../../shared/policy/schema.js';

type Doc = Record<string, any>;

function policyWith(change: (doc: Doc) => void = () => undefined): Policy {
  const doc = parseYaml(readFileSync(join(SERVICE_DIR, 'backup-policy.yml'), 'utf8')) as Doc;
  change(doc);
  return parsePolicy(stringifyYaml(doc), 'test-policy.yml');
}

const input = (policy: Policy, extra: Partial<DeploymentInput> = {}): DeploymentInput => ({
  policy,
  region: policy.regions.primary,
  stage: 'test',
  policySource: 'test-policy.yml',
  policyFile: 'backup-policy.yml',
  ...extra,
});

const deploy = (policy: Policy, extra: Partial<DeploymentInput> = {}, contributions?: readonly Contribution[]): Deployment =>
  buildDeployment(input(policy, extra), contributions);

const props = (d: Deployment, id: string) => (d.resources.Resources[id]?.Properties ?? {}) as Record<string, any>;

describe('the Lambda environment (platform/environment.ts)', () => {
  it('gives every function the ENV contract: region role, alerts topic, packaged policy file, service name, reports bucket', () => {
    const policy = policyWith();
    for (const region of [policy.regions.primary, policy.regions.secondary]) {
      const d = deploy(policy, { region, policyFile: 'policies/prod.yml' });
      expect(d.environment).toEqual({
        [ENV.regionRole]: d.role,
        [ENV.alertsTopicArn]: { Ref: 'AlertsTopic' },
        [ENV.policyFile]: 'policies/prod.yml',
        [ENV.powertoolsServiceName]: SERVICE,
        [ENV.reportsBucket]: { Ref: 'ReportsBucket' },
      });
    }
    expect(Object.keys(deploy(policy).environment)).toEqual(['REGION_ROLE', 'ALERTS_TOPIC_ARN', 'POLICY_FILE', 'POWERTOOLS_SERVICE_NAME', 'REPORTS_BUCKET']);
  });

  it("adds the primary's reports bucket (MANIFEST_BUCKET) only to the functions that read or write manifests", () => {
    const d = deploy(policyWith());
    const withManifests = Object.entries(d.functions).filter(([, fn]) => fn.environment?.[ENV.manifestBucket] !== undefined).map(([name]) => name);
    expect(withManifests.sort()).toEqual(['capture-db-manifest', 'validate-restore']);
  });
});

describe('the alert path (platform/alerts.ts)', () => {
  it('builds the retained, rotated service key with its policy for the alert publishers and RDS', () => {
    const d = deploy(policyWith(), { region: 'ap-southeast-1' });
    const key = d.resources.Resources.ServiceKey!;
    expect(key).toMatchObject({ Type: 'AWS::KMS::Key', DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(props(d, 'ServiceKey')).toMatchObject({
      Description: `${SERVICE} test (secondary) - alerts topic and RDS snapshot copies`,
      EnableKeyRotation: true,
      RotationPeriodInDays: 90,
      PendingWindowInDays: 30,
    });
    const statements = props(d, 'ServiceKey').KeyPolicy.Statement as Record<string, any>[];
    expect(statements.map((s) => s.Sid)).toEqual(['AccountAdministers', 'AlertPublishersUseKeyForTopic', 'RdsUsesKeyForThisAccount', 'RdsCreatesGrantsForThisAccount']);
    expect(statements[1]).toEqual({
      Sid: 'AlertPublishersUseKeyForTopic',
      Effect: 'Allow',
      Principal: { Service: ['sns.amazonaws.com', 'cloudwatch.amazonaws.com', 'events.amazonaws.com'] },
      Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    });
    expect(statements[3]!.Condition).toEqual({
      StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'rds.${AWS::Region}.amazonaws.com' } },
      Bool: { 'kms:GrantIsForAWSResource': 'true' },
    });
  });

  it('builds the encrypted topic, named by the contract, and lets only alarms and rules of this account publish, over TLS', () => {
    const d = deploy(policyWith(), { region: 'ap-southeast-1' });
    expect(d.resources.Resources.AlertsTopic).toEqual({
      Type: 'AWS::SNS::Topic',
      Properties: { TopicName: alertsTopicName('test'), DisplayName: `${SERVICE} alerts (test, ap-southeast-1)`, KmsMasterKeyId: { Ref: 'ServiceKey' } },
    });
    const policy = props(d, 'AlertsTopicPolicy');
    expect(policy.Topics).toEqual([{ Ref: 'AlertsTopic' }]);
    expect(policy.PolicyDocument.Statement).toEqual([
      { Sid: 'DenyPublishWithoutTls', Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: { Ref: 'AlertsTopic' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
      {
        Sid: 'AlarmsAndRulesOfThisAccountPublish',
        Effect: 'Allow',
        Principal: { Service: ['cloudwatch.amazonaws.com', 'events.amazonaws.com'] },
        Action: 'sns:Publish',
        Resource: { Ref: 'AlertsTopic' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
  });

  it('outputs the topic, the key and the region role', () => {
    const policy = policyWith();
    for (const [region, role] of [[policy.regions.primary, 'primary'], [policy.regions.secondary, 'secondary']] as const) {
      const outputs = deploy(policy, { region }).resources.Outputs as Record<string, { Value: unknown }>;
      expect(outputs.AlertsTopicArn?.Value).toEqual({ Ref: 'AlertsTopic' });
      expect(outputs.ServiceKeyArn?.Value).toEqual({ 'Fn::GetAtt': ['ServiceKey', 'Arn'] });
      expect(outputs.RegionRole?.Value).toBe(role);
    }
  });

  it("creates the alias the policy names this region's key by, and none for an AWS-managed alias", () => {
    const own = deploy(policyWith((doc) => {
      doc.kms.primary = 'alias/dr-copies';
    }));
    expect(own.resources.Resources.ServiceKeyAlias).toEqual({ Type: 'AWS::KMS::Alias', Properties: { AliasName: 'alias/dr-copies', TargetKeyId: { Ref: 'ServiceKey' } } });
    expect(deploy(policyWith((doc) => {
      doc.kms.primary = 'alias/aws/rds';
    })).resources.Resources.ServiceKeyAlias).toBeUndefined();
  });
});

describe('composing contributions (deploy/assemble.ts)', () => {
  const spec = (extra: Partial<FunctionSpec> = {}): FunctionSpec => ({
    roles: ['primary'],
    invokedBy: 'async',
    description: 'a test function',
    timeout: 10,
    memorySize: 128,
    events: () => [],
    statements: () => [],
    ...extra,
  });

  it('derives each handler from its component and name', () => {
    const d = deploy(policyWith(), {}, [...CONTRIBUTIONS, { component: 'redis', name: 'redis/backup', functions: { 'take-cache-snapshot': spec() } }]);
    expect(d.functions['take-cache-snapshot']!.handler).toBe('functions/redis/take-cache-snapshot/handler.handler');
    for (const [name, fn] of Object.entries(deploy(policyWith()).functions)) expect(fn.handler).toBe(`functions/rds/${name}/handler.handler`);
  });

  it('deploys a function only in its roles and where the policy needs it, always allowed to alert', () => {
    const extra: Contribution = {
      component: 'test',
      name: 'test/extra',
      functions: { 'only-secondary': spec({ roles: ['secondary'] }), 'never-needed': spec({ deployedWhen: () => false }), 'always-here': spec() },
    };
    const d = deploy(policyWith(), {}, [...CONTRIBUTIONS, extra]);
    expect(Object.keys(d.functions).filter((name) => name in extra.functions!)).toEqual(['always-here']);
    expect(d.functions['always-here']!.iamRoleStatements.flatMap((s) => s.Action)).toEqual(['sns:Publish', 'kms:GenerateDataKey*', 'kms:Decrypt']);
  });

  it('refuses two modules declaring the same function or the same logical id', () => {
    const twin: Contribution = { component: 'other', name: 'other/twin', functions: { 'take-db-snapshot': spec() } };
    expect(() => deploy(policyWith(), {}, [...CONTRIBUTIONS, twin])).toThrow(/function "take-db-snapshot" is declared by both rds\/backup and other\/twin/);
    const bucket: Contribution = { component: 'other', name: 'other/bucket', resources: () => ({ Resources: { ReportsBucket: { Type: 'AWS::S3::Bucket', Properties: {} } } }) };
    expect(() => deploy(policyWith(), {}, [...CONTRIBUTIONS, bucket])).toThrow(PackagingError);
    expect(() => deploy(policyWith(), {}, [...CONTRIBUTIONS, bucket])).toThrow(/resource "ReportsBucket" is declared by both platform\/reports-bucket and other\/bucket/);
  });

  it("fails packaging when a state machine invokes a function the region doesn't deploy", () => {
    const machine: Contribution = {
      component: 'test',
      name: 'test/machine',
      stateMachines: {
        'lost-test': {
          roles: ['secondary'],
          id: 'LostTestStateMachine',
          source: 'state-machines/test/lost.asl.json',
          definition: () => ({ StartAt: 'Take', States: { Take: { Type: 'Task', Resource: { 'Fn::GetAtt': ['takeDbSnapshot', 'Arn'] }, End: true } } }),
          schedules: () => [],
        },
      },
    };
    const policy = policyWith();
    expect(() => deploy(policy, { region: policy.regions.secondary }, [...CONTRIBUTIONS, machine])).toThrow(
      /state-machines\/test\/lost\.asl\.json references the function "takeDbSnapshot" \(take-db-snapshot\), which this region does not deploy/,
    );
  });

  it('collects alarms into the resources and dashboard widgets into the deployment (none contributed yet)', () => {
    const bare = deploy(policyWith());
    expect(Object.values(bare.resources.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm')).toEqual([]);
    expect(bare.dashboardWidgets).toEqual([]);
    const observed: Contribution = {
      component: 'test',
      name: 'test/observed',
      alarms: (_ctx, deployed) => ({ TakeFailedAlarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { Functions: Object.keys(deployed.functions).length } } }),
      dashboardWidgets: () => [{ type: 'text', properties: { markdown: 'backups' } }],
    };
    const d = deploy(policyWith(), {}, [...CONTRIBUTIONS, observed]);
    expect(d.resources.Resources.TakeFailedAlarm).toEqual({ Type: 'AWS::CloudWatch::Alarm', Properties: { Functions: Object.keys(d.functions).length } });
    expect(d.dashboardWidgets).toEqual([{ type: 'text', properties: { markdown: 'backups' } }]);
  });
});

describe('the shape of deploy/', () => {
  const DEPLOY_DIR = join(SERVICE_DIR, 'deploy');
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)]));
  const sources = files(DEPLOY_DIR).filter((file) => /\.(ts|cjs)$/.test(file));

  it('keeps every file under 400 lines', () => {
    for (const file of sources) {
      const lines = readFileSync(file, 'utf8').split('\n').length;
      expect(lines, relative(SERVICE_DIR, file)).toBeLessThanOrEqual(400);
    }
  });

  it('imports the naming contracts (shared/contracts.ts) instead of writing them again', () => {
    // Code only: comments may name what they explain.
    const code = (file: string) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => !/^\s*(\/\/|\*|\/\*\*)/.test(line))
        .map((line) => line.replace(/\s\/\/ .*$/, ''))
        .join('\n');
    const contracts = [
      ...Object.values(PREFIX).filter((prefix) => prefix !== SERVICE),
      ...Object.values(REPORT_PREFIX),
      ...Object.values(ENV),
      ...Object.values(RDS_EVENT),
      ...Object.values(TAG),
    ];
    for (const file of sources.filter((f) => f.endsWith('.ts'))) {
      const text = code(file);
      for (const literal of contracts) expect(text.includes(literal), `${relative(SERVICE_DIR, file)} writes "${literal}"`).toBe(false);
      expect(/['"`]backup-dr/.test(text), `${relative(SERVICE_DIR, file)} writes the service name`).toBe(false);
    }
  });
});
