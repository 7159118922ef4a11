// The policy's recovery section: defaults, and each bad value rejected naming its field.
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../../shared/policy/load.js';
import { HEALTH_FUNCTION_TIMEOUT_S, HEALTH_TIMEOUT_MAX_MS } from '../../../shared/policy/recovery.js';
import { DEFAULT_POLICY_TEXT, errorOf, mutated } from '../../helpers/policy-text.js';

const APPROVER = 'arn:aws:iam::123456789012:role/dr-approver';

describe('recovery policy', () => {
  it('is absent unless given, and fills its defaults when given', () => {
    const none = parsePolicy(mutated((doc) => delete doc.recovery));
    expect(none.recovery).toBeUndefined();
    const minimal = parsePolicy(mutated((doc) => (doc.recovery = { approvers: [APPROVER] })));
    expect(minimal.recovery).toEqual({
      approvers: [APPROVER],
      approvalTimeout: 3_600_000,
      readinessSchedule: 'cron(0 8 * * ? *)',
      rehearsal: { enabled: true, schedule: 'cron(0 3 1 * ? *)' },
      primaryHealth: { urls: [], failuresBeforeAlert: 3, proposeFailover: false },
      keepReplacedFor: 7 * 86_400_000,
    });
  });

  it("holds the team's failover settings in backup-policy.yml", () => {
    const policy = parsePolicy(DEFAULT_POLICY_TEXT);
    expect(policy.recovery?.maintenanceMode).toEqual({ parameter: '/app/prod/maintenance-mode', on: 'on', off: 'off' });
    const db = policy.resources.databases[0];
    expect(db?.endpoint).toEqual({ ssmParameter: '/app/prod/database/host' });
    expect(db?.failover?.subnetGroup).toBe('app-db-dr');
    expect(policy.recovery?.application?.rollback).toEqual({ ssmDocument: 'app-rollback', assumeRole: 'arn:aws:iam::123456789012:role/app-rollback-automation' });
  });

  it('accepts user, role and assumed-role approvers, a session wildcard only in the last part', () => {
    const approvers = ['arn:aws:iam::123456789012:user/alice', APPROVER, 'arn:aws:sts::123456789012:assumed-role/dr-approver/*'];
    expect(parsePolicy(mutated((doc) => (doc.recovery = { approvers }))).recovery?.approvers).toEqual(approvers);
    expect(errorOf(mutated((doc) => (doc.recovery = { approvers: ['arn:aws:iam::123456789012:role/*'] })))).toContain('recovery.approvers[0]: must be an IAM user or role ARN');
    expect(errorOf(mutated((doc) => (doc.recovery = { approvers: [] })))).toContain('recovery.approvers: name at least one principal');
  });

  it('bounds healthTimeout so that the probes, run at once, end within the health Lambda\'s timeout', () => {
    const application = (healthTimeout: string) => parsePolicy(mutated((doc) => (doc.recovery = { approvers: [APPROVER], application: { rollback: { lambda: 'rollback' }, healthUrls: ['https://a.example.com/health', 'https://b.example.com/health'], healthTimeout } }))).recovery?.application;
    expect(application('45s')?.healthTimeout).toBe(HEALTH_TIMEOUT_MAX_MS);
    expect(application('1s')?.healthTimeout).toBe(1000);
    // The probes run in parallel: the longest one plus a cold start's margin fits the function's timeout, whatever the number of URLs.
    expect(HEALTH_TIMEOUT_MAX_MS / 1000 + 10).toBeLessThanOrEqual(HEALTH_FUNCTION_TIMEOUT_S);
  });

  it('names the field of each bad value', () => {
    const cases: [(doc: Record<string, any>) => void, string][] = [
      [(doc) => (doc.recovery = { approvers: [APPROVER], approvalTimeout: '1min' }), 'recovery.approvalTimeout: must be between 5min and 7d'],
      [(doc) => (doc.recovery = { approvers: [APPROVER], maintenanceMode: { parameter: 'maintenance' } }), 'recovery.maintenanceMode.parameter: an SSM parameter name starts with "/"'],
      [(doc) => (doc.recovery = { approvers: [APPROVER], rehearsal: { schedule: 'monthly' } }), 'recovery.rehearsal.schedule'],
      [(doc) => (doc.recovery = { approvers: [APPROVER], primaryHealth: { urls: ['http://app.example.com/health'] } }), 'recovery.primaryHealth.urls[0]: must be an https:// URL'],
      [(doc) => (doc.recovery = { approvers: [APPROVER], application: { rollback: {}, healthUrls: ['https://app.example.com/health'] } }), 'recovery.application.rollback.lambda: give exactly one of lambda or ssmDocument'],
      [(doc) => (doc.recovery = { approvers: [APPROVER], application: { rollback: { lambda: 'rollback' }, healthUrls: [] } }), 'recovery.application.healthUrls: name at least one URL'],
      [(doc) => (doc.recovery = { approvers: [APPROVER], application: { rollback: { ssmDocument: 'app-rollback', assumeRole: 'app-rollback-automation' }, healthUrls: ['https://app.example.com/health'] } }), 'recovery.application.rollback.assumeRole: must be an IAM role ARN'],
      [(doc) => (doc.recovery = { approvers: [APPROVER], application: { rollback: { ssmDocument: 'app-rollback', assumeRole: 'arn:aws:iam::123456789012:user/alice' } , healthUrls: ['https://app.example.com/health'] } }), 'recovery.application.rollback.assumeRole: must be an IAM role ARN'],
      [(doc) => (doc.recovery = { approvers: [APPROVER], application: { rollback: { lambda: 'rollback', assumeRole: 'arn:aws:iam::123456789012:role/app-rollback-automation' }, healthUrls: ['https://app.example.com/health'] } }), 'recovery.application.rollback.assumeRole: only an SSM Automation document (ssmDocument) runs as an assume role'],
      [(doc) => (doc.recovery = { approvers: [APPROVER], application: { rollback: { lambda: 'rollback' }, healthUrls: ['https://app.example.com/health'], healthTimeout: '50s' } }), 'recovery.application.healthTimeout: must be between 1s and 45s (the URLs are probed at once in a 60 s Lambda)'],
      [(doc) => (doc.recovery = { approvers: [APPROVER], application: { rollback: { lambda: 'rollback' }, healthUrls: ['https://app.example.com/health'], healthTimeout: '2min' } }), 'recovery.application.healthTimeout: must be between 1s and 45s'],
      [(doc) => (doc.resources.databases[0].endpoint = { ssmParameter: '/a', route53: { hostedZoneId: 'Z123', recordName: 'db.example.com' } }), 'resources.databases[0].endpoint.ssmParameter: give exactly one of ssmParameter or route53'],
      [(doc) => (doc.resources.databases[0].endpoint = { route53: { hostedZoneId: 'zone', recordName: 'db.example.com' } }), 'resources.databases[0].endpoint.route53.hostedZoneId: must be a Route 53 hosted zone id'],
      [(doc) => (doc.resources.databases[0].failover = { readReplica: '1bad' }), 'resources.databases[0].failover.readReplica: must be an RDS DB instance identifier'],
      [(doc) => (doc.resources.caches[0].failover = { nodeType: 'r7g.large' }), 'resources.caches[0].failover.nodeType: must be an ElastiCache node type'],
      [(doc) => (doc.recovery = { approvers: [APPROVER], unknown: 1 }), 'recovery: unknown key "unknown"'],
    ];
    for (const [change, message] of cases) expect(errorOf(mutated(change))).toContain(message);
  });
});
