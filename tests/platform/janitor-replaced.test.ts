// The janitor's sweep of what full recoveries replaced, with aws-sdk-client-mock for RDS and ElastiCache and
// the S3 stand-in for the posture memory: past keep-until an instance of ours is tagged tier=final, made
// deletable (deletion protection off, tags copied to snapshots — a stopped one started first, RDS modifies
// no stopped instance) and deleted with a deterministic final snapshot the next hour; the team's original
// instance, or one under legal hold, is never deleted but alerted once (and again only when it changes), as
// is one of ours in a status it never leaves or still not deleted a day after keep-until; one found running
// before keep-until is stopped again, with a warning; replication groups alike (no stop). Retries and
// duplicates are no-ops.
import { DeleteReplicationGroupCommand, DescribeReplicationGroupsCommand, ElastiCacheClient, ListTagsForResourceCommand, type ReplicationGroup } from '@aws-sdk/client-elasticache';
import { AddTagsToResourceCommand, DeleteDBInstanceCommand, DescribeDBInstancesCommand, InvalidDBInstanceStateFault, ModifyDBInstanceCommand, RDSClient, StartDBInstanceCommand, StopDBInstanceCommand, type DBInstance } from '@aws-sdk/client-rds';
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
  rdsMock.on(StartDBInstanceCommand).resolves({});
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

  it('(a) a stopped one (RDS modifies no stopped instance): tags it tier=final and starts it, modifies it once available, deletes it the hour after', async () => {
    const arn = `arn:aws:rds:${REGION}:123456789012:db:${OLD}`;
    const protectedOne = { DeletionProtection: true, CopyTagsToSnapshot: false };
    instancesAre(instance(OLD, 'stopped', { ...OURS, ...replacedTags(NOW - DAY) }, protectedOne));
    expect(await sweepReplacedInstances(deps())).toEqual({ deleted: [], stopped: [], kept: [], waiting: [OLD], failed: [] });
    expect(inputs(AddTagsToResourceCommand)).toEqual([{ ResourceName: arn, Tags: [{ Key: 'backup-dr:tier', Value: 'final' }] }]);
    expect(inputs(StartDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: OLD }]);
    expect(rdsMock).not.toHaveReceivedCommand(ModifyDBInstanceCommand);
    expect(rdsMock).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
    // The next hour: still starting — nothing sent.
    rdsMock.resetHistory();
    instancesAre(instance(OLD, 'starting', { ...OURS, ...replacedTags(NOW - DAY), 'backup-dr:tier': 'final' }, protectedOne));
    expect(await sweepReplacedInstances(deps())).toMatchObject({ waiting: [OLD] });
    expect(rdsMock.calls().map((c) => c.args[0].constructor.name)).toEqual(['DescribeDBInstancesCommand']);
    // Available: deletion protection off, tags copied to snapshots.
    instancesAre(instance(OLD, 'available', { ...OURS, ...replacedTags(NOW - DAY), 'backup-dr:tier': 'final' }, protectedOne));
    expect(await sweepReplacedInstances(deps())).toMatchObject({ deleted: [], waiting: [OLD] });
    expect(inputs(ModifyDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: OLD, DeletionProtection: false, CopyTagsToSnapshot: true, ApplyImmediately: true }]);
    expect(rdsMock).not.toHaveReceivedCommand(StartDBInstanceCommand);
    expect(rdsMock).not.toHaveReceivedCommand(AddTagsToResourceCommand);
    expect(rdsMock).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
    // Modified: deleted with its final snapshot (running, past keep-until: not stopped again).
    rdsMock.resetHistory();
    instancesAre(instance(OLD, 'available', { ...OURS, ...replacedTags(NOW - DAY), 'backup-dr:tier': 'final' }));
    expect(await sweepReplacedInstances(deps())).toEqual({ deleted: [OLD], stopped: [], kept: [], waiting: [], failed: [] });
    expect(inputs(DeleteDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: OLD, SkipFinalSnapshot: false, FinalDBSnapshotIdentifier: `bdr-final-${OLD}`, DeleteAutomatedBackups: true }]);
    expect(rdsMock).not.toHaveReceivedCommand(StopDBInstanceCommand);
    expect(rdsMock).not.toHaveReceivedCommand(ModifyDBInstanceCommand);
    expect(alerts.published.map((a) => [a.severity, a.kind])).toEqual([['info', 'replaced-deleted']]);
  });

  it('(a) an available one that needs it is modified at once (no start)', async () => {
    instancesAre(instance(OLD, 'available', { ...OURS, ...replacedTags(NOW - DAY), 'backup-dr:tier': 'final' }, { CopyTagsToSnapshot: false }));
    expect(await sweepReplacedInstances(deps())).toMatchObject({ deleted: [], waiting: [OLD] });
    expect(inputs(ModifyDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: OLD, DeletionProtection: false, CopyTagsToSnapshot: true, ApplyImmediately: true }]);
    expect(rdsMock).not.toHaveReceivedCommand(StartDBInstanceCommand);
    expect(rdsMock).not.toHaveReceivedCommand(AddTagsToResourceCommand);
  });

  it('one of ours past keep-until in a status it never leaves (storage-full, failed, incompatible-*) is a finding, alerted once, with what to do; nothing is sent to it', async () => {
    const full = 'bdr-rec-app-db-202611010300';
    instancesAre(instance(OLD, 'storage-full', { ...OURS, ...replacedTags(NOW - DAY), 'backup-dr:tier': 'final' }), instance(full, 'incompatible-parameters', { ...OURS, ...replacedTags(NOW - 2 * DAY) }));
    expect(await sweepReplacedInstances(deps())).toEqual({ deleted: [], stopped: [], kept: [OLD, full], waiting: [], failed: [] });
    expect(rdsMock.calls().map((c) => c.args[0].constructor.name)).toEqual(['DescribeDBInstancesCommand']);
    expect(alerts.published.map((a) => [a.severity, a.kind, a.details?.['check'], a.details?.['reason'], a.details?.['status']])).toEqual([
      ['warning', 'posture', `past-keep-until-not-deletable:${OLD}`, 'not-deletable', 'storage-full'],
      ['warning', 'posture', `past-keep-until-not-deletable:${full}`, 'not-deletable', 'incompatible-parameters'],
    ]);
    expect(alerts.published[0]!.summary).toContain('status storage-full');
    expect(alerts.published[0]!.action).toContain(`aws rds delete-db-instance --region ${REGION} --db-instance-identifier ${OLD} --skip-final-snapshot`);
    // The next hour: the same, nothing alerted.
    await sweepReplacedInstances(deps());
    expect(alerts.published).toHaveLength(2);
  });

  it('one of ours still not deleted a day after keep-until (a status or a refusal that does not go away) is a finding, alerted once; before that only waited on', async () => {
    const refused = 'bdr-rec-app-db-202611010300';
    rdsMock.on(DeleteDBInstanceCommand).rejects(new InvalidDBInstanceStateFault({ message: 'Instance is not in a valid state', $metadata: {} }));
    const ready = { ...OURS, 'backup-dr:tier': 'final' };
    // Within the day: waited on, no finding.
    instancesAre(instance(OLD, 'modifying', { ...ready, ...replacedTags(NOW - DAY / 2) }), instance(refused, 'available', { ...ready, ...replacedTags(NOW - DAY / 2) }));
    expect(await sweepReplacedInstances(deps())).toEqual({ deleted: [], stopped: [], kept: [], waiting: [OLD, refused], failed: [] });
    expect(alerts.published).toEqual([]);
    // Two days on: a finding each, once.
    instancesAre(instance(OLD, 'modifying', { ...ready, ...replacedTags(NOW - 2 * DAY) }), instance(refused, 'available', { ...ready, ...replacedTags(NOW - 2 * DAY) }));
    expect(await sweepReplacedInstances(deps())).toEqual({ deleted: [], stopped: [], kept: [], waiting: [OLD, refused], failed: [] });
    expect(inputs(DeleteDBInstanceCommand)).toHaveLength(2);
    expect(alerts.published.map((a) => [a.severity, a.details?.['check'], a.details?.['reason']])).toEqual([
      ['warning', `past-keep-until-not-deletable:${OLD}`, 'still-waiting'],
      ['warning', `past-keep-until-not-deletable:${refused}`, 'still-waiting'],
    ]);
    await sweepReplacedInstances(deps());
    expect(alerts.published).toHaveLength(2);
    // Deleted at last: resolved.
    rdsMock.on(DeleteDBInstanceCommand).resolves({});
    instancesAre(instance(OLD, 'deleting', { ...ready, ...replacedTags(NOW - 2 * DAY) }));
    await sweepReplacedInstances(deps());
    expect(alerts.published.slice(2).map((a) => [a.severity, a.summary.startsWith('resolved: ')])).toEqual([['info', true], ['info', true]]);
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
    expect(rdsMock).not.toHaveReceivedCommand(StartDBInstanceCommand);
  });

  it('(c) warns on each stop, naming the tag to remove if the start was deliberate (a fail-back)', async () => {
    instancesAre(instance('app-db-prod', 'available', replacedTags(NOW + 3 * DAY)));
    await sweepReplacedInstances(deps());
    expect(alerts.published).toEqual([expect.objectContaining({ severity: 'warning', kind: 'replaced-stopped', resource: 'app-db-prod', details: expect.objectContaining({ instance: 'app-db-prod' }) })]);
    expect(alerts.published[0]!.summary).toContain('stopped the replaced instance app-db-prod');
    expect(alerts.published[0]!.action).toContain(`aws rds remove-tags-from-resource --region ${REGION} --resource-name arn:aws:rds:${REGION}:123456789012:db:app-db-prod --tag-keys backup-dr:replaced-by backup-dr:keep-until`);
    // Started again (RDS after 7 days, or a person): stopped and warned again — not a posture finding.
    await sweepReplacedInstances(deps());
    expect(alerts.published.map((a) => a.kind)).toEqual(['replaced-stopped', 'replaced-stopped']);
  });

  it('alerts critical and fails the run when one cannot be deleted, after doing the rest', async () => {
    instancesAre(instance(OLD, 'stopped', { ...OURS, ...replacedTags(NOW - DAY), 'backup-dr:tier': 'final' }), instance('app-db-prod', 'available', replacedTags(NOW + DAY)));
    rdsMock.on(DeleteDBInstanceCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    await expect(sweepReplacedInstances(deps())).rejects.toMatchObject({ name: 'RunFailed', failures: [{ resource: OLD, error: 'replaced-instances' }] });
    expect(inputs(StopDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: 'app-db-prod' }]);
    expect(alerts.published.map((a) => [a.severity, a.kind])).toEqual([['critical', 'replaced-not-handled'], ['warning', 'replaced-stopped']]);
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

  it('one of ours past keep-until that failed to create is a finding (alerted once); one still modifying a day after keep-until too', async () => {
    groupsAre(
      { id: 'bdr-rec-app-redis-1', status: 'create-failed', tags: { ...OURS, ...replacedTags(NOW - DAY / 2) } },
      { id: 'bdr-rec-app-redis-2', status: 'modifying', tags: { ...OURS, ...replacedTags(NOW - 2 * DAY) } },
      { id: 'bdr-rec-app-redis-3', status: 'snapshotting', tags: { ...OURS, ...replacedTags(NOW - DAY / 2) } },
    );
    expect(await sweepReplacedCacheGroups(deps())).toEqual({ deleted: [], stopped: [], kept: ['bdr-rec-app-redis-1'], waiting: ['bdr-rec-app-redis-2', 'bdr-rec-app-redis-3'], failed: [] });
    expect(ecMock).not.toHaveReceivedCommand(DeleteReplicationGroupCommand);
    expect(alerts.published.map((a) => [a.severity, a.details?.['check'], a.details?.['reason']])).toEqual([
      ['warning', 'past-keep-until-not-deletable:bdr-rec-app-redis-1', 'not-deletable'],
      ['warning', 'past-keep-until-not-deletable:bdr-rec-app-redis-2', 'still-waiting'],
    ]);
    expect(alerts.published[0]!.action).toContain(`aws elasticache delete-replication-group --region ${REGION} --replication-group-id bdr-rec-app-redis-1.`);
    await sweepReplacedCacheGroups(deps());
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
