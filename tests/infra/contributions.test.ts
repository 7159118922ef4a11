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
import { alertsTopicName, ENV, PREFIX, RDS_EVENT, REPORT_PREFIX, SERVICE, serviceKeyAlias, TAG } from '../../shared/contracts.js';
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
  it('gives every function the ENV contract: region role, alerts topic, packaged policy file, service name, reports bucket, stage', () => {
    const policy = policyWith();
    for (const region of [policy.regions.primary, policy.regions.secondary]) {
      const d = deploy(policy, { region, policyFile: 'policies/prod.yml' });
      expect(d.environment).toEqual({
        [ENV.regionRole]: d.role,
        [ENV.alertsTopicArn]: { Ref: 'AlertsTopic' },
        [ENV.policyFile]: 'policies/prod.yml',
        [ENV.powertoolsServiceName]: SERVICE,
        [ENV.reportsBucket]: { Ref: 'ReportsBucket' },
        [ENV.stage]: 'test',
      });
    }
    expect(Object.keys(deploy(policy).environment)).toEqual(['REGION_ROLE', 'ALERTS_TOPIC_ARN', 'POLICY_FILE', 'POWERTOOLS_SERVICE_NAME', 'REPORTS_BUCKET', 'BACKUP_DR_STAGE']);
  });

  it("gives no function the primary's reports bucket (MANIFEST_BUCKET): every function reads and writes its own region's", () => {
    for (const region of [policyWith().regions.primary, policyWith().regions.secondary]) {
      const d = deploy(policyWith(), { region });
      expect(Object.entries(d.functions).filter(([, fn]) => fn.environment?.[ENV.manifestBucket] !== undefined).map(([name]) => name)).toEqual([]);
    }
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
    expect(statements.map((s) => s.Sid)).toEqual([
      'AccountAdministers',
      'SnsUsesKeyForThisAccount',
      'AlarmsUseKeyForTopic',
      'EventBridgeUsesKeyForTopicAndQueues',
      'RdsUsesKeyForThisAccount',
      'RdsCreatesGrantsForThisAccount',
    ]);
    // The alert publishers: SNS and CloudWatch for this account only; EventBridge without the source
    // conditions, which it does not support for encrypted topics (tests/infra/alert-path.test.ts).
    expect(statements[1]).toEqual({
      Sid: 'SnsUsesKeyForThisAccount',
      Effect: 'Allow',
      Principal: { Service: 'sns.amazonaws.com' },
      Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    });
    expect(statements[2]!.Condition.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
    expect(statements[3]).not.toHaveProperty('Condition');
    expect(statements[5]!.Condition).toEqual({
      StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'rds.${AWS::Region}.amazonaws.com' } },
      Bool: { 'kms:GrantIsForAWSResource': 'true' },
    });
  });

  it('builds the encrypted topic, named by the contract, and lets only alarms of this account and EventBridge rules publish, over TLS', () => {
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
        Sid: 'AlarmsOfThisAccountPublish',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: { Ref: 'AlertsTopic' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: { 'aws:SourceArn': { 'Fn::Sub': 'arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*' } },
        },
      },
      // No Condition blocks for EventBridge (the EventBridge guide).
      { Sid: 'EventBridgeRulesPublish', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sns:Publish', Resource: { Ref: 'AlertsTopic' } },
    ]);
  });

  it('in the archive region: only the key (no topic, subscription or key statement for SNS, CloudWatch, EventBridge or RDS) and its alias', () => {
    const policy = policyWith((doc) => {
      doc.alerts.emails = ['oncall@example.com'];
    });
    const d = deploy(policy, { region: policy.regions.archive! });
    expect(Object.keys(d.resources.Resources).filter((id) => !id.startsWith('MediaArchiveBucket'))).toEqual(['ServiceKey', 'ServiceKeyAlias']);
    expect(props(d, 'ServiceKey').KeyPolicy.Statement.map((s: { Sid: string }) => s.Sid)).toEqual(['AccountAdministers']);
    expect(props(d, 'ServiceKey').Description).toBe('backup-dr test (archive) - media archive buckets');
    expect(Object.keys(d.resources.Outputs)).toEqual(['ServiceKeyArn', 'ServiceKeyAlias', 'RegionRole']);
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

  it("names the service key by its stage-scoped alias, never by the policy's (that names a key of the user's own)", () => {
    const own = deploy(policyWith((doc) => {
      doc.kms.primary = 'alias/dr-copies';
    }));
    expect(own.resources.Resources.ServiceKeyAlias).toEqual({ Type: 'AWS::KMS::Alias', Properties: { AliasName: serviceKeyAlias('test'), TargetKeyId: { Ref: 'ServiceKey' } } });
    expect(deploy(policyWith((doc) => {
      doc.kms.primary = 'alias/aws/rds';
    })).resources.Resources.ServiceKeyAlias!.Properties.AliasName).toBe(serviceKeyAlias('test'));
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

  it('the archive region asks only the modules that declare inArchive — platform/alerts (its key) and media/buckets (the archive buckets) — and nothing else', () => {
    expect(CONTRIBUTIONS.filter((c) => c.inArchive === true).map((c) => c.name)).toEqual(['platform/alerts', 'media/buckets']);
    const policy = policyWith();
    const asked: string[] = [];
    const spy = (c: Contribution): Contribution => ({
      ...c,
      ...(c.resources === undefined ? {} : { resources: (ctx, deployed) => (asked.push(`${c.name}.resources`), c.resources!(ctx, deployed)) }),
      ...(c.alarms === undefined ? {} : { alarms: (ctx, deployed) => (asked.push(`${c.name}.alarms`), c.alarms!(ctx, deployed)) }),
      ...(c.warnings === undefined ? {} : { warnings: (ctx) => (asked.push(`${c.name}.warnings`), c.warnings!(ctx)) }),
      ...(c.dashboardWidgets === undefined ? {} : { dashboardWidgets: (ctx, deployed) => (asked.push(`${c.name}.dashboardWidgets`), c.dashboardWidgets!(ctx, deployed)) }),
    });
    // A module that forgets to say so is never asked there, whatever it would deploy: its function runs
    // in every role it names, its resource would land anywhere.
    const careless: Contribution = {
      component: 'test',
      name: 'test/careless',
      functions: { 'a-careless-function': spec({ roles: ['primary', 'secondary'] }) },
      resources: () => ({ Resources: { CarelessTopic: { Type: 'AWS::SNS::Topic', Properties: {} } } }),
      alarms: () => ({ CarelessAlarm: { Type: 'AWS::CloudWatch::Alarm', Properties: {} } }),
      dashboardWidgets: () => [{ section: 'component', row: 'careless', widget: { type: 'text', width: 24, height: 1, properties: { markdown: 'careless' } } }],
    };
    const d = deploy(policy, { region: policy.regions.archive! }, [...CONTRIBUTIONS, careless].map(spy));
    expect(asked).toEqual(['media/buckets.warnings', 'platform/alerts.resources', 'media/buckets.resources']);
    expect(Object.keys(d.functions)).toEqual([]);
    expect(Object.keys(d.resources.Resources)).toEqual(['ServiceKey', 'ServiceKeyAlias', 'MediaArchiveBucket1', 'MediaArchiveBucket1Policy']);
    expect(d.dashboardWidgets).toEqual([]);
    // The same module in the primary: everything it declares.
    const primary = deploy(policy, {}, [...CONTRIBUTIONS, careless]);
    expect(primary.functions['a-careless-function']).toBeDefined();
    expect(primary.resources.Resources.CarelessTopic).toBeDefined();
  });

  it('derives each handler from its component and name', () => {
    const d = deploy(policyWith(), {}, [...CONTRIBUTIONS, { component: 'config', name: 'config/export', functions: { 'export-app-config': spec() } }]);
    expect(d.functions['export-app-config']!.handler).toBe('functions/config/export-app-config/handler.handler');
    expect(d.functionMeta['export-app-config']).toEqual({ component: 'config', retriedErrors: [] });
    const component: Record<string, string> = { janitor: 'platform', 'daily-checklist': 'platform', 'check-schedules': 'platform', 'take-cache-snapshot': 'redis', 'export-cache-snapshots': 'redis', 'verify-cache-exports': 'redis', 'prune-cache-backups': 'redis', 'check-cache-posture': 'redis', 'capture-cache-manifest': 'redis' };
    // The steps of the cache restore test (redis/restore-test).
    for (const step of ['cache-restore-test-plan', 'cache-restore-test-seed', 'cache-restore-test-status', 'validate-cache-restore', 'cache-restore-test-teardown', 'cache-restore-test-record', 'cache-restore-test-notify']) component[step] = 'redis';
    // The steps of the cache recovery runbook (redis/recovery).
    for (const step of ['cache-recovery-plan', 'cache-recovery-seed', 'cache-recovery-teardown', 'cache-recovery-retire', 'cache-recovery-notify']) component[step] = 'redis';
    // The steps of the point-in-time restore of a media prefix (media/restore).
    for (const step of ['media-restore-plan', 'media-restore-pass', 'media-restore-record', 'media-restore-notify']) component[step] = 'media';
    // The replication check of the media buckets and the alert on S3's replication events (media/verify).
    for (const fn of ['verify-media-replication', 'alert-media-replication-failure']) component[fn] = 'media';
    // The posture of the media buckets (media/posture).
    component['check-media-posture'] = 'media';
    // The configuration backup (config/backup) and the prune of its bundles (config/prune).
    component['back-up-configuration'] = 'config';
    component['prune-configuration-bundles'] = 'config';
    component['test-configuration-restore'] = 'config';
    // The steps of the configuration restore (config/restore).
    for (const step of ['config-restore-plan', 'config-restore-apply', 'config-restore-record', 'config-restore-notify']) component[step] = 'config';
    // What every recovery runbook shares (platform/runbook-steps).
    for (const step of ['request-approval', 'answer-approval', 'set-maintenance-mode', 'switch-endpoint', 'check-endpoint-change']) component[step] = 'platform';
    // application-recovery's steps (platform/application-recovery; the team policy rolls back with an SSM Automation).
    for (const step of ['application-recovery-plan', 'application-recovery-progress', 'application-recovery-rollback', 'application-recovery-poll', 'application-recovery-health', 'application-recovery-report']) component[step] = 'platform';
    for (const [name, fn] of Object.entries(deploy(policyWith()).functions)) {
      expect(fn.handler).toBe(`functions/${component[name] ?? 'rds'}/${name}/handler.handler`);
    }
  });

  it('deploys a function only in its roles and where the policy needs it, always allowed to alert (and, async, to record its failures)', () => {
    const extra: Contribution = {
      component: 'test',
      name: 'test/extra',
      functions: { 'only-secondary': spec({ roles: ['secondary'] }), 'never-needed': spec({ deployedWhen: () => false }), 'always-here': spec() },
    };
    const d = deploy(policyWith(), {}, [...CONTRIBUTIONS, extra]);
    expect(Object.keys(d.functions).filter((name) => name in extra.functions!)).toEqual(['always-here']);
    expect(d.functions['always-here']!.iamRoleStatements.flatMap((s) => s.Action)).toEqual([
      'sns:Publish',
      'kms:GenerateDataKey*',
      'kms:Decrypt',
      'sqs:SendMessage',
      'kms:GenerateDataKey',
      'kms:Decrypt',
    ]);
    const step = deploy(policyWith(), {}, [...CONTRIBUTIONS, { component: 'test', name: 'test/step', functions: { 'a-step': spec({ invokedBy: 'state-machine' }) } }]);
    expect(step.functions['a-step']!.iamRoleStatements.flatMap((s) => s.Action)).toEqual(['sns:Publish', 'kms:GenerateDataKey*', 'kms:Decrypt']);
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

  it('collects alarms into the resources and dashboard widgets into the deployment, and builds the dashboard from both', () => {
    const bare = deploy(policyWith());
    const alarmIds = Object.entries(bare.resources.Resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm').map(([id]) => id);
    expect(alarmIds.length).toBeGreaterThan(0);
    // Platform: per function, queue and state machine; components (and the platform's schedule check): <Component><Resource><What><Region>Alarm (deploy/core/alarms.ts).
    expect(alarmIds.filter((id) => !/(Errors|Throttles|Queue|Executions)Alarm$/.test(id) && !/^(Rds|Redis|Media|Config|Platform)[A-Za-z0-9]+Alarm$/.test(id))).toEqual([]);
    for (const component of ['Rds', 'Redis', 'Media', 'Config']) expect(alarmIds.some((id) => id.startsWith(component) && !/(Errors|Throttles)Alarm$/.test(id)), component).toBe(true);
    const widget = { section: 'component', row: 'Observed', widget: { type: 'text', width: 24, height: 1, properties: { markdown: 'backups' } } } as const;
    const observed: Contribution = {
      component: 'test',
      name: 'test/observed',
      alarms: (_ctx, deployed) => ({ TakeFailedAlarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { Functions: Object.keys(deployed.functions).length } } }),
      dashboardWidgets: () => [widget],
    };
    const d = deploy(policyWith(), {}, [...CONTRIBUTIONS, observed]);
    expect(d.resources.Resources.TakeFailedAlarm).toEqual({ Type: 'AWS::CloudWatch::Alarm', Properties: { Functions: Object.keys(d.functions).length } });
    expect(d.dashboardWidgets).toEqual([...bare.dashboardWidgets, widget]);
    // The dashboard shows the contributed widget under its row's heading, and every alarm — the contributed one too.
    const sub = (d.resources.Resources.ServiceDashboard?.Properties.DashboardBody as { 'Fn::Sub': [string, Record<string, unknown>] })['Fn::Sub'];
    expect(sub[0]).toContain('"markdown":"## Observed"');
    expect(sub[0]).toContain('"markdown":"backups"');
    expect(sub[1].TakeFailedAlarmArn).toEqual({ 'Fn::GetAtt': ['TakeFailedAlarm', 'Arn'] });
    expect(Object.keys(sub[1])).toHaveLength(alarmIds.length + 1);
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
