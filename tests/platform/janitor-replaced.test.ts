// The janitor's sweep of what full recoveries replaced, with aws-sdk-client-mock for RDS and ElastiCache and
// the S3 stand-in for the posture memory: past keep-until an instance of ours is tagged tier=final, made
// deletable (deletion protection off, tags copied to snapshots) and deleted with a deterministic final
// snapshot the next hour; the team's original instance, or one under legal hold, is never deleted but
// alerted once (and again only when it changes); one RDS restarted before keep-until is stopped again;
// replication groups alike (no stop). Retries and duplicates are no-ops.
import { DeleteReplicationGroupCommand, DescribeReplicationGroupsCommand, ElastiCacheClient, ListTagsForResourceCommand, type ReplicationGroup } from '@aws-sdk/client-elasticache';
import { AddTagsToResourceCommand, DeleteDBInstanceCommand, DescribeDBInstancesCommand, InvalidDBInstanceStateFault, ModifyDBInstanceCommand, RDSClient, StopDBInstanceCommand, type DBInstance } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runHourly } from '../../functions/platform/janitor/janitor.js';
import { sweepReplacedCacheGroups, sweepReplacedInstances } from '../../functions/platform/janitor/replaced.js';
import { S3StandIn } from '../../sandbox/aws/s3-standin.js';
import { RecordingAlerts, RecordingLog, teamPolicy } from '../helpers/runtime.js';

const REGION = 'ap-northeast-1';
const BUCKET = 'backup-dr-reports-test-123456789012-ap-northeast-1';
const NOW = Date.parse('2026-12-10T12:00:00+09:00');
const DAY = 86_400_000;
const policy = teamPolicy();
const rds = new RDSClient({ region: REGION });
const rdsMock = mockClient(rds);
const elasticache = new ElastiCacheClient({ region: REGION });
const ecMock = mockClient(elasticache);
let s3: S3StandIn;
let alerts: RecordingAlerts;

const OURS = { 'backup-dr:owner': 'backup-dr', 'backup-dr:policy': 'production', 'backup-dr:resource': 'app-db' };
const tags = (record: Record<string, string>) => Object.entries(record).map(([Key, Value]) => ({ Key, Value }));
const replacedTags = (keepUntil: number, extra: Record<string, string> = {}) => ({ 'backup-dr:replaced-by': 'bdr-rec-app-db-202612100300', 'backup-dr:keep-until': new Date(keepUntil).toISOString(), ...extra });
function instance(id: string, status: string, tagRecord: Record<string, string>, over: Partial<DBInstance> = {}): DBInstance {
  return { DBInstanceIdentifier: id, DBInstanceArn: `arn:aws:rds:${REGION}:123456789012:db:${id}`, DBInstanceStatus: status, TagList: tags(tagRecord), DeletionProtection: false, CopyTagsToSnapshot: true, ...over };
}
const instancesAre = (...list: DBInstance[]) => rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: list });
const deps = () => ({ policy, region: REGION, rds, elasticache, alerts, log: new RecordingLog(), now: () => NOW, memory: { s3: new S3Client({ region: REGION }), bucket: BUCKET } });
const inputs = <T>(command: new (input: never) => T) => rdsMock.commandCalls(command as never).map((c) => (c.args[0] as { input: unknown }).input);

beforeEach(() => {
  rdsMock.reset();
  ecMock.reset();
  alerts = new RecordingAlerts();
  s3 = new S3StandIn({ now: () => NOW });
  s3.install();
  rdsMock.on(DeleteDBInstanceCommand).resolves({});
  rdsMock.on(StopDBInstanceCommand).resolves({});
  rdsMock.on(ModifyDBInstanceCommand).resolves({});
  rdsMock.on(AddTagsToResourceCommand).resolves({});
});
afterEach(() => s3.restore());

describe('replaced instances', () => {
  const OLD = 'bdr-rec-app-db-202611280300';

  it('(a) deletes one of ours past keep-until with a deterministic final snapshot, and alerts it (info)', async () => {
    instancesAre(instance(OLD, 'stopped', { ...OURS, ...replacedTags(NOW - DAY), 'backup-dr:tier': 'final' }));
    expect(await sweepReplacedInstances(deps())).toEqual({ deleted: [OLD], stopped: [], kept: [], waiting: [], failed: [] });
    expect(inputs(DeleteDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: OLD, SkipFinalSnapshot: false, FinalDBSnapshotIdentifier: `bdr-final-${OLD}`, DeleteAutomatedBackups: true }]);
    expect(rdsMock).not.toHaveReceivedCommand(ModifyDBInstanceCommand);
    expect(alerts.published).toEqual([expect.objectContaining({ severity: 'info', kind: 'replaced-deleted', resource: 'app-db', summary: expect.stringContaining(`deleted the replaced instance ${OLD}`) })]);
  });

  it('(a) first tags it tier=final and turns deletion protection off (ours only), then deletes it the next hour', async () => {
    instancesAre(instance(OLD, 'stopped', { ...OURS, ...replacedTags(NOW - DAY) }, { DeletionProtection: true, CopyTagsToSnapshot: false }));
    expect(await sweepReplacedInstances(deps())).toMatchObject({ deleted: [], waiting: [OLD] });
    expect(inputs(AddTagsToResourceCommand)).toEqual([{ ResourceName: `arn:aws:rds:${REGION}:123456789012:db:${OLD}`, Tags: [{ Key: 'backup-dr:tier', Value: 'final' }] }]);
    expect(inputs(ModifyDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: OLD, DeletionProtection: false, CopyTagsToSnapshot: true, ApplyImmediately: true }]);
    expect(rdsMock).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
    // The next hour: modified, tagged.
    rdsMock.resetHistory();
    instancesAre(instance(OLD, 'stopped', { ...OURS, ...replacedTags(NOW - DAY), 'backup-dr:tier': 'final' }));
    expect(await sweepReplacedInstances(deps())).toMatchObject({ deleted: [OLD] });
    expect(rdsMock).not.toHaveReceivedCommand(ModifyDBInstanceCommand);
    expect(rdsMock).not.toHaveReceivedCommand(AddTagsToResourceCommand);
  });

  it('is a no-op when it is already being deleted or gone (retry, duplicate run)', async () => {
    instancesAre(instance(OLD, 'deleting', { ...OURS, ...replacedTags(NOW - DAY), 'backup-dr:tier': 'final' }));
    expect(await sweepReplacedInstances(deps())).toEqual({ deleted: [], stopped: [], kept: [], waiting: [], failed: [] });
    instancesAre(instance(OLD, 'available', { ...OURS, ...replacedTags(NOW - DAY), 'backup-dr:tier': 'final' }));
    rdsMock.on(DeleteDBInstanceCommand).rejects(new InvalidDBInstanceStateFault({ message: `Instance ${OLD} is already being deleted.`, $metadata: {} }));
    expect(await sweepReplacedInstances(deps())).toEqual({ deleted: [], stopped: [], kept: [], waiting: [], failed: [] });
    expect(alerts.published).toEqual([]);
  });

  it('(b) never deletes the team\'s original instance, nor one of ours under legal hold: alerts each once, says how to delete it, and again only when it changes', async () => {
    const original = instance('app-db-prod', 'stopped', replacedTags(NOW - DAY), { DeletionProtection: true });
    const held = instance(OLD, 'stopped', { ...OURS, ...replacedTags(NOW - DAY), 'legal-hold': 'case-42' });
    instancesAre(original, held);
    expect(await sweepReplacedInstances(deps())).toEqual({ deleted: [], stopped: [], kept: ['app-db-prod', OLD], waiting: [], failed: [] });
    expect(rdsMock).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
    expect(rdsMock).not.toHaveReceivedCommand(ModifyDBInstanceCommand);
    expect(rdsMock).not.toHaveReceivedCommand(AddTagsToResourceCommand);
    expect(alerts.published.map((a) => [a.severity, a.kind, a.details?.['instance'], a.details?.['reason']])).toEqual([
      ['warning', 'posture', 'app-db-prod', 'not-ours'],
      ['warning', 'posture', OLD, 'legal-hold'],
    ]);
    expect(alerts.published[0]!.action).toContain(`aws rds delete-db-instance --region ${REGION} --db-instance-identifier app-db-prod --final-db-snapshot-identifier bdr-final-app-db-prod`);
    // The next hour: nothing new, nothing alerted.
    await sweepReplacedInstances(deps());
    expect(alerts.published).toHaveLength(2);
    // Deleted by hand: resolved once.
    instancesAre(held);
    await sweepReplacedInstances(deps());
    expect(alerts.published.slice(2).map((a) => [a.severity, a.summary.startsWith('resolved: ')])).toEqual([['info', true]]);
  });

  it('(c) stops again one RDS started before keep-until (only when tagged replaced-by), whoever owns it', async () => {
    instancesAre(
      instance('app-db-prod', 'available', replacedTags(NOW + 3 * DAY)),
      instance('app-db-other', 'available', {}),
      instance(OLD, 'stopped', { ...OURS, ...replacedTags(NOW + 3 * DAY) }),
    );
    expect(await sweepReplacedInstances(deps())).toEqual({ deleted: [], stopped: ['app-db-prod'], kept: [], waiting: [], failed: [] });
    expect(inputs(StopDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: 'app-db-prod' }]);
    expect(rdsMock).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
  });

  it('alerts critical and fails the run when one cannot be deleted, after doing the rest', async () => {
    instancesAre(instance(OLD, 'stopped', { ...OURS, ...replacedTags(NOW - DAY), 'backup-dr:tier': 'final' }), instance('app-db-prod', 'available', replacedTags(NOW + DAY)));
    rdsMock.on(DeleteDBInstanceCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    await expect(sweepReplacedInstances(deps())).rejects.toMatchObject({ name: 'RunFailed', failures: [{ resource: OLD, error: 'replaced-instances' }] });
    expect(inputs(StopDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: 'app-db-prod' }]);
    expect(alerts.published.map((a) => [a.severity, a.kind])).toEqual([['critical', 'replaced-not-handled']]);
  });
});

describe('replaced replication groups', () => {
  const groupArn = (id: string) => `arn:aws:elasticache:${REGION}:123456789012:replicationgroup:${id}`;
  function groupsAre(...groups: { id: string; status: string; tags: Record<string, string> }[]) {
    ecMock.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: groups.map((g): ReplicationGroup => ({ ReplicationGroupId: g.id, ARN: groupArn(g.id), Status: g.status })) });
    for (const g of groups) ecMock.on(ListTagsForResourceCommand, { ResourceName: groupArn(g.id) }).resolves({ TagList: tags(g.tags) });
  }
  beforeEach(() => ecMock.on(DeleteReplicationGroupCommand).resolves({}));

  it('deletes one of ours past keep-until with a final snapshot; keeps the original and alerts it once; leaves one before keep-until', async () => {
    groupsAre(
      { id: 'bdr-rec-app-redis-1', status: 'available', tags: { ...OURS, ...replacedTags(NOW - DAY) } },
      { id: 'app-redis-prod', status: 'available', tags: replacedTags(NOW - DAY) },
      { id: 'bdr-rec-app-redis-2', status: 'available', tags: { ...OURS, ...replacedTags(NOW + DAY) } },
    );
    expect(await sweepReplacedCacheGroups(deps())).toEqual({ deleted: ['bdr-rec-app-redis-1'], stopped: [], kept: ['app-redis-prod'], waiting: [], failed: [] });
    expect(ecMock.commandCalls(DeleteReplicationGroupCommand).map((c) => c.args[0].input)).toEqual([{ ReplicationGroupId: 'bdr-rec-app-redis-1', RetainPrimaryCluster: false, FinalSnapshotIdentifier: 'bdr-final-bdr-rec-app-redis-1' }]);
    expect(alerts.published.map((a) => [a.severity, a.kind])).toEqual([['info', 'replaced-deleted'], ['warning', 'posture']]);
    expect(alerts.published[1]!.action).toContain(`aws elasticache delete-replication-group --region ${REGION} --replication-group-id app-redis-prod --final-snapshot-identifier bdr-final-app-redis-prod`);
    // The duplicate run: the deleted group is deleting, the kept one already alerted.
    groupsAre({ id: 'bdr-rec-app-redis-1', status: 'deleting', tags: {} }, { id: 'app-redis-prod', status: 'available', tags: replacedTags(NOW - DAY) });
    ecMock.resetHistory();
    await sweepReplacedCacheGroups(deps());
    expect(ecMock).not.toHaveReceivedCommand(DeleteReplicationGroupCommand);
    expect(alerts.published).toHaveLength(2);
  });

  it('makes no ElastiCache call without a cache in the policy', async () => {
    const noCache = teamPolicy((d) => (d.resources.caches = []));
    expect(await sweepReplacedCacheGroups({ ...deps(), policy: noCache })).toEqual({ deleted: [], stopped: [], kept: [], waiting: [], failed: [] });
    expect(ecMock.calls()).toEqual([]);
  });
});

describe('the hourly run', () => {
  it('runs the leak sweeps and the replaced sweeps, each whatever the others did', async () => {
    instancesAre(instance('app-db-prod', 'available', replacedTags(NOW + DAY)));
    ecMock.on(DescribeReplicationGroupsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    await expect(runHourly(deps())).rejects.toMatchObject({ name: 'RunFailed', failures: [{ resource: 'cache restore-test groups', error: 'AccessDenied' }, { resource: 'replaced cache groups', error: 'AccessDenied' }] });
    expect(inputs(StopDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: 'app-db-prod' }]);
  });
});
