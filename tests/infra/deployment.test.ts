// deploy/stack.ts without packaging: what the policy drives (functions per role, schedules, IAM,
// KMS alias, subscriptions) for variants of backup-policy.yml that the repository's policy does not
// exercise — e-mails, enforced automated-backup replication, a key ARN, another owner tag, no databases.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { SERVICE_DIR } from '../../deploy/bundles.js';
import { buildDeployment, lambdaLogicalId, PackagingError, type Deployment, type FunctionName, type Statement } from '../../deploy/stack.js';
import { parsePolicy } from '../../shared/policy/load.js';
import type { Policy } from '../../shared/policy/schema.js';

type Doc = Record<string, any>;

function policyWith(change: (doc: Doc) => void = () => undefined): Policy {
  const doc = parseYaml(readFileSync(join(SERVICE_DIR, 'backup-policy.yml'), 'utf8')) as Doc;
  change(doc);
  return parsePolicy(stringifyYaml(doc), 'test-policy.yml');
}

function deploy(policy: Policy, region = policy.regions.primary): Deployment {
  return buildDeployment({ policy, region, stage: 'test', policySource: 'test-policy.yml' });
}

function statements(d: Deployment, fn: FunctionName): readonly Statement[] {
  const config = d.functions[fn];
  if (config === undefined) throw new Error(`${fn} is not deployed`);
  return config.iamRoleStatements;
}

const withAction = (list: readonly Statement[], action: string) => list.filter((s) => s.Action.includes(action));

describe('deploy/stack.ts', () => {
  it('names osls logical ids the way osls does', () => {
    expect(lambdaLogicalId('take-db-snapshot')).toBe('TakeDashdbDashsnapshotLambdaFunction');
  });

  it('refuses the archive region and any other region without a role', () => {
    const policy = policyWith();
    expect(() => deploy(policy, 'ap-southeast-2')).toThrow(PackagingError);
    expect(() => deploy(policy, 'ap-southeast-2')).toThrow(/ap-southeast-2 is the archive region/);
    expect(() => deploy(policy, 'eu-west-1')).toThrow(/region eu-west-1 has no role in test-policy.yml/);
  });

  it('deploys the role-specific functions', () => {
    const policy = policyWith();
    expect(Object.keys(deploy(policy).functions).sort()).toEqual(['check-db-posture', 'copy-db-snapshots', 'prune-db-snapshots', 'take-db-snapshot']);
    expect(Object.keys(deploy(policy, policy.regions.secondary).functions).sort()).toEqual(['prune-db-snapshots', 'verify-db-snapshots']);
  });

  it('schedules one snapshot per database and lets the Scheduler role invoke every scheduled function', () => {
    const policy = policyWith((doc) => {
      doc.resources.databases.push({ ...doc.resources.databases[0], name: 'billing-db', instanceId: 'billing-prod', schedule: 'cron(30 1 * * ? *)' });
    });
    const d = deploy(policy);
    const schedules = d.functions['take-db-snapshot']!.events.flatMap((e) => ('schedule' in e ? [e.schedule] : []));
    expect(schedules.map((s) => [s.rate, s.input])).toEqual([
      [['cron(0 2 * * ? *)'], { resources: ['app-db'], scheduledTime: '<aws.scheduler.scheduled-time>' }],
      [['cron(30 1 * * ? *)'], { resources: ['billing-db'], scheduledTime: '<aws.scheduler.scheduled-time>' }],
    ]);
    const role = d.resources.Resources.SchedulerInvokeRole as { Properties: { Policies: { PolicyDocument: { Statement: Statement[] } }[] } };
    const invoke = role.Properties.Policies[0]!.PolicyDocument.Statement[0]!;
    expect(invoke.Resource).toEqual(Object.keys(d.functions).map((fn) => ({ 'Fn::GetAtt': [lambdaLogicalId(fn), 'Arn'] })));
    const create = withAction(statements(d, 'take-db-snapshot'), 'rds:CreateDBSnapshot')[0]!;
    expect(create.Resource.map((r) => (r as { 'Fn::Sub': string })['Fn::Sub'])).toEqual([
      'arn:${AWS::Partition}:rds:ap-northeast-1:${AWS::AccountId}:db:app-db-prod',
      'arn:${AWS::Partition}:rds:ap-northeast-1:${AWS::AccountId}:db:billing-prod',
      'arn:${AWS::Partition}:rds:ap-northeast-1:${AWS::AccountId}:snapshot:backup-dr-*',
    ]);
  });

  it('gives check-db-posture the replication start (and KMS grant for RDS) only when a database enforces it', () => {
    const relaxed = statements(deploy(policyWith()), 'check-db-posture');
    expect(withAction(relaxed, 'rds:StartDBInstanceAutomatedBackupsReplication')).toEqual([]);
    expect(withAction(relaxed, 'kms:CreateGrant')).toEqual([]);

    const enforced = statements(
      deploy(
        policyWith((doc) => {
          doc.resources.databases[0].automatedBackups.enforce = true;
        }),
      ),
      'check-db-posture',
    );
    const start = withAction(enforced, 'rds:StartDBInstanceAutomatedBackupsReplication');
    expect(start).toHaveLength(1);
    expect(start[0]!.Resource).toContainEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:rds:ap-northeast-1:${AWS::AccountId}:db:app-db-prod' });
    const grant = withAction(enforced, 'kms:CreateGrant');
    expect(grant).toEqual([
      {
        Effect: 'Allow',
        Action: ['kms:CreateGrant'],
        Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:kms:ap-southeast-1:${AWS::AccountId}:key/*' }],
        Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/backup-dr'] }, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      },
    ]);
  });

  it('names a key given by ARN directly, and creates no alias for it', () => {
    const arn = 'arn:aws:kms:ap-southeast-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
    const d = deploy(
      policyWith((doc) => {
        doc.kms.secondary = arn;
      }),
      'ap-southeast-1',
    );
    expect(d.resources.Resources.ServiceKeyAlias).toBeUndefined();
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
});
