import { AddTagsToResourceCommand, DescribeDBSnapshotsCommand, RDSClient, RemoveTagsFromResourceCommand, type DBSnapshot } from '@aws-sdk/client-rds';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkDbAnomalies, releaseQuarantine } from '../../../functions/rds/check-db-anomalies/check-db-anomalies.js';
import { compareManifests, quarantineTargets } from '../../../functions/rds/check-db-anomalies/plan.js';
import { InvalidInput } from '../../../shared/errors.js';
import { planPrune } from '../../../shared/rds/retention.js';
import { copyOf, finalSnapshot, ourTags, primarySnapshot, SECONDARY } from '../helpers/rds-fixtures.js';
import { RecordingAlerts, RecordingLog, teamPolicy } from '../../helpers/runtime.js';

const policy = teamPolicy();
const db = policy.resources.databases[0]!;
const DAY = 86_400_000;
const T0 = Date.parse('2026-11-20T02:00:00+09:00');
const manifest = (day: number, tables: Record<string, number>) => ({ capturedAt: T0 + day * DAY, serverVersion: '16.4', tables });
const id = (day: number) => `backup-dr-app-db-202611${String(20 + day).padStart(2, '0')}-0200`;

describe('anomalies between consecutive manifests', () => {
  it.each([
    { name: 'a table gone', after: { 'public.customers': 500 }, found: [{ check: 'table-gone', table: 'public.orders', detail: 'public.orders (5000 rows) is gone' }] },
    { name: 'a table that lost more than the share the policy allows', after: { 'public.customers': 500, 'public.orders': 3900 }, found: [{ check: 'table-shrunk', table: 'public.orders', detail: 'public.orders lost 22 % of its rows (5000 → 3900; limit 20 %)' }] },
    { name: 'a table that lost exactly the allowed share', after: { 'public.customers': 500, 'public.orders': 4000 }, found: [] },
    { name: 'ordinary growth', after: { 'public.customers': 510, 'public.orders': 5200 }, found: [] },
    { name: 'a new table', after: { 'public.customers': 500, 'public.orders': 5000, 'public.refunds': 3 }, found: [] },
  ] as { name: string; after: Record<string, number>; found: unknown[] }[])('finds $name', ({ after, found }) => {
    expect(compareManifests(manifest(0, { 'public.customers': 500, 'public.orders': 5000 }), manifest(1, after), db.anomalies)).toEqual(found);
  });

  it('does not judge shrinkage of a table below the policy minimum (noise), but does judge its disappearance', () => {
    const before = manifest(0, { 'public.flags': 10 });
    expect(compareManifests(before, manifest(1, { 'public.flags': 1 }), db.anomalies)).toEqual([]);
    expect(compareManifests(before, manifest(1, {}), db.anomalies).map((a) => a.check)).toEqual(['table-gone']);
  });

  it('quarantines every snapshot of the database taken before the anomaly, originals and copies, not later ones or other databases', () => {
    const early = primarySnapshot(id(0), '2026-11-20T02:00:00+09:00');
    const later = primarySnapshot(id(2), '2026-11-22T02:00:00+09:00');
    const other = primarySnapshot('backup-dr-billing-20261120-0200', '2026-11-20T02:00:00+09:00', {}, ourTags('billing'));
    const already = primarySnapshot(id(-1), '2026-11-19T02:00:00+09:00', {}, ourTags('app-db', { 'backup-dr:quarantine': '2026-11-19T10:00:00Z' }));
    const targets = quarantineTargets(db, [early, later, other, already, copyOf(early, '2026-11-20T03:00:00+09:00')], T0 + 1 * DAY);
    expect(targets.map((t) => t.DBSnapshotArn)).toEqual([early.DBSnapshotArn, copyOf(early, '2026-11-20T03:00:00+09:00').DBSnapshotArn]);
  });

  it('never quarantines a replaced instance\'s final snapshot (tier final): it carries the resource tag, but no retention prunes it and tagging it is refused', () => {
    const early = primarySnapshot(id(0), '2026-11-20T02:00:00+09:00');
    const final = finalSnapshot('bdr-rec-app-db-202611150300', '2026-11-19T12:00:00+09:00');
    expect(quarantineTargets(db, [final, early], T0 + 1 * DAY).map((t) => t.DBSnapshotArn)).toEqual([early.DBSnapshotArn]);
  });

  it('makes prune keep a quarantined snapshot and its copy, like a legal hold', () => {
    const policyShort = teamPolicy((d) => { d.resources.databases[0].retention = { last: 1, complianceOverride: 'test fixture with short retention' }; });
    const old = primarySnapshot(id(0), '2026-11-20T02:00:00+09:00', {}, ourTags('app-db', { 'backup-dr:quarantine': '2026-11-21T10:00:00Z' }));
    const newer = primarySnapshot(id(1), '2026-11-21T02:00:00+09:00');
    const copies = [old, newer].map((s) => copyOf(s, '2026-11-21T04:00:00+09:00', { Status: 'available', TagList: [...(s.TagList ?? []).filter((t) => t.Key !== 'backup-dr:quarantine'), { Key: 'backup-dr:tier', Value: 'copy' }, { Key: 'backup-dr:copy-of', Value: s.DBSnapshotArn ?? '' }, { Key: 'backup-dr:verified-at', Value: '2026-11-21T05:00:00Z' }] }));
    const primary = planPrune({ policy: policyShort, role: 'primary', db: policyShort.resources.databases[0]!, mine: [old, newer], counterparts: copies, now: T0 + 2 * DAY });
    expect(primary.remove).toEqual([]);
    expect(primary.keep.find((k) => k.snapshot.id === id(0))?.guards).toContain('quarantined: an anomaly was found after it');
    const secondary = planPrune({ policy: policyShort, role: 'secondary', db: policyShort.resources.databases[0]!, mine: copies, counterparts: [old, newer], now: T0 + 2 * DAY });
    expect(secondary.remove).toEqual([]);
    expect(secondary.keep.find((k) => k.snapshot.id === id(0))?.guards).toContain('quarantined: an anomaly was found after it');
  });
});

describe('check-db-anomalies', () => {
  const s3 = new S3Client({ region: 'ap-northeast-1' });
  const primary = new RDSClient({ region: 'ap-northeast-1' });
  const secondary = new RDSClient({ region: 'ap-southeast-1' });
  const s3Mock = mockClient(s3);
  const primaryMock = mockClient(primary);
  const secondaryMock = mockClient(secondary);
  const NOW = T0 + 3 * DAY;
  const BUCKET = 'backup-dr-reports-test-123456789012-ap-northeast-1';
  let stored: Record<string, string>;

  function given(manifests: Record<string, unknown>, records: string[] = []) {
    stored = Object.fromEntries(Object.entries(manifests).map(([sid, m]) => [`manifests/app-db/${sid}.json`, JSON.stringify(m)]));
    for (const r of records) stored[`anomalies/app-db/${r}.json`] = '{}';
    s3Mock.on(ListObjectsV2Command).callsFake((input: { Prefix: string }) => ({ Contents: Object.keys(stored).filter((k) => k.startsWith(input.Prefix)).map((Key) => ({ Key })), IsTruncated: false }));
    s3Mock.on(GetObjectCommand).callsFake((input: { Key: string }) => {
      const body = stored[input.Key];
      if (body === undefined) throw new S3ServiceException({ name: 'NoSuchKey', message: 'no', $fault: 'client', $metadata: {} });
      return { Body: { transformToString: async () => body } };
    });
    s3Mock.on(PutObjectCommand).callsFake((input: { Key: string; Body: string }) => {
      stored[input.Key] = input.Body;
      return {};
    });
  }

  const early = primarySnapshot(id(0), '2026-11-20T02:00:00+09:00');
  const middle = primarySnapshot(id(1), '2026-11-21T02:00:00+09:00');
  const latest = primarySnapshot(id(2), '2026-11-22T02:00:00+09:00');
  const verified = (s: DBSnapshot) => copyOf(s, '2026-11-22T03:00:00+09:00', { Status: 'available' }, { 'backup-dr:verified-at': '2026-11-22T04:00:00Z' });

  beforeEach(() => {
    s3Mock.reset();
    primaryMock.reset();
    secondaryMock.reset();
    primaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [early, middle, latest] });
    secondaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [early, middle, latest].map(verified) });
    primaryMock.on(AddTagsToResourceCommand).resolves({});
    secondaryMock.on(AddTagsToResourceCommand).resolves({});
    primaryMock.on(RemoveTagsFromResourceCommand).resolves({});
    secondaryMock.on(RemoveTagsFromResourceCommand).resolves({});
  });

  const run = () => {
    const alerts = new RecordingAlerts();
    return { alerts, result: checkDbAnomalies({ policy, s3, bucket: BUCKET, rds: { primary, secondary }, alerts, log: new RecordingLog(), now: () => NOW }) };
  };

  it('finds a mass deletion between two backups, quarantines the earlier backups in both regions, alerts, and records the judgement', async () => {
    given({ [id(0)]: manifest(0, { 'public.orders': 5000 }), [id(1)]: manifest(1, { 'public.orders': 5100 }), [id(2)]: manifest(2, { 'public.orders': 800 }) });
    const { result, alerts } = run();
    const judged = await result;
    expect(judged.map((j) => [j.snapshotId, j.anomalies.length, j.quarantined])).toEqual([[id(1), 0, 0], [id(2), 1, 4]]);
    const tagged = (mock: typeof primaryMock) => mock.commandCalls(AddTagsToResourceCommand).map((c) => c.args[0].input);
    expect(tagged(primaryMock)).toEqual([early, middle].map((s) => ({ ResourceName: s.DBSnapshotArn, Tags: [{ Key: 'backup-dr:quarantine', Value: new Date(NOW).toISOString() }] })));
    expect(tagged(secondaryMock).map((t) => t.ResourceName)).toEqual([early, middle].map((s) => verified(s).DBSnapshotArn));
    expect(alerts.published).toEqual([expect.objectContaining({ severity: 'critical', kind: 'backup-anomaly', resource: 'app-db', summary: `anomaly in the backup ${id(2)}: public.orders lost 84 % of its rows (5100 → 800; limit 20 %)` })]);
    expect(JSON.parse(stored[`anomalies/app-db/${id(2)}.json`] ?? '{}')).toMatchObject({ snapshotId: id(2), previousId: id(1), quarantined: 4 });
  });

  it('leaves the final snapshots of replaced instances alone (in either region) and still alerts the anomaly', async () => {
    const finalHere = finalSnapshot('bdr-rec-app-db-202611150300', '2026-11-19T12:00:00+09:00');
    const finalThere = finalSnapshot('bdr-rec-app-db-202611160300', '2026-11-19T13:00:00+09:00', SECONDARY);
    primaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [finalHere, early, middle, latest] });
    secondaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [finalThere, ...[early, middle, latest].map(verified)] });
    // As the role's IAM (snapshot:backup-dr-*) would answer a tag on bdr-final-*.
    const denied = Object.assign(new Error('not authorized to perform rds:AddTagsToResource'), { name: 'AccessDenied' });
    primaryMock.on(AddTagsToResourceCommand, { ResourceName: finalHere.DBSnapshotArn }).rejects(denied);
    secondaryMock.on(AddTagsToResourceCommand, { ResourceName: finalThere.DBSnapshotArn }).rejects(denied);
    given({ [id(1)]: manifest(1, { 'public.orders': 5100 }), [id(2)]: manifest(2, { 'public.orders': 800 }) });
    const { result, alerts } = run();
    expect((await result).map((j) => [j.snapshotId, j.quarantined])).toEqual([[id(2), 4]]);
    const tagged = (mock: typeof primaryMock) => mock.commandCalls(AddTagsToResourceCommand).map((c) => c.args[0].input.ResourceName);
    expect(tagged(primaryMock)).toEqual([early.DBSnapshotArn, middle.DBSnapshotArn]);
    expect(tagged(secondaryMock)).toEqual([early, middle].map((s) => verified(s).DBSnapshotArn));
    expect(alerts.published.map((a) => [a.severity, a.kind])).toEqual([['critical', 'backup-anomaly']]);
  });

  it('judges each snapshot once: a duplicate or later run is a no-op', async () => {
    given({ [id(0)]: manifest(0, { 'public.orders': 5000 }), [id(1)]: manifest(1, { 'public.orders': 10 }) }, [id(1)]);
    const { result, alerts } = run();
    expect(await result).toEqual([]);
    expect(primaryMock).not.toHaveReceivedCommand(AddTagsToResourceCommand);
    expect(alerts.published).toEqual([]);
  });

  it('releases a quarantine in both regions on request, and says so', async () => {
    const held = (s: DBSnapshot) => ({ ...s, TagList: [...(s.TagList ?? []), { Key: 'backup-dr:quarantine', Value: '2026-11-22T10:00:00Z' }] });
    primaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [held(early), latest] });
    secondaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [held(verified(early))] });
    const alerts = new RecordingAlerts();
    const deps = { policy, s3, bucket: BUCKET, rds: { primary, secondary }, alerts, log: new RecordingLog(), now: () => NOW };
    expect(await releaseQuarantine(deps, 'app-db', 'false alarm: the orders archive job')).toEqual({ released: 2 });
    expect(primaryMock.commandCalls(RemoveTagsFromResourceCommand).map((c) => c.args[0].input)).toEqual([{ ResourceName: early.DBSnapshotArn, TagKeys: ['backup-dr:quarantine'] }]);
    expect(secondaryMock).toHaveReceivedCommandTimes(RemoveTagsFromResourceCommand, 1);
    expect(alerts.published).toEqual([expect.objectContaining({ kind: 'quarantine-released', summary: 'quarantine of 2 snapshot(s) of app-db released: false alarm: the orders archive job' })]);
    await expect(releaseQuarantine(deps, 'nope', 'a reason long enough')).rejects.toBeInstanceOf(InvalidInput);
  });
});

describe('anomalies from the fingerprints of consecutive manifests', () => {
  const key = (buckets: Record<string, { rows: number; hash: string }>, bounds: string[], max: string) =>
    ({ mode: 'key' as const, key: ['id'], column: 'id', type: 'bigint', bounds, max, sample: Object.keys(buckets).map(Number), buckets });
  const withContent = (day: number, tables: Record<string, number>, content: Record<string, ReturnType<typeof key>>, objects: Record<string, Record<string, string>> = {}) => ({
    ...manifest(day, tables),
    schema: { schemas: null, digest: JSON.stringify(objects), objects },
    content: { seed: id(day), appendOnly: ['public.audit_log'], tables: content, budgetExhausted: false, durationMs: 1 },
  });

  it('finds rows deleted from an append-only table, however few', () => {
    const found = compareManifests(withContent(0, { 'public.audit_log': 5000 }, {}), withContent(1, { 'public.audit_log': 4999 }, {}), db.anomalies);
    expect(found).toEqual([{ check: 'append-only-changed', table: 'public.audit_log', detail: 'append-only public.audit_log lost 1 row(s) (5000 → 4999)' }]);
  });

  it('finds rows rewritten in an append-only table, in a key range both captures hold in full', () => {
    const before = key({ '0': { rows: 10, hash: 'a' }, '1': { rows: 10, hash: 'b' }, '2': { rows: 3, hash: 'c' } }, ['1', '11', '21'], '23');
    const after = key({ '0': { rows: 10, hash: 'a' }, '1': { rows: 10, hash: 'X' }, '2': { rows: 9, hash: 'd' } }, ['1', '11', '21'], '29');
    const found = compareManifests(withContent(0, { 'public.audit_log': 23 }, { 'public.audit_log': before }), withContent(1, { 'public.audit_log': 29 }, { 'public.audit_log': after }), db.anomalies);
    // Bucket 2 (open-ended: it grew) is not judged; bucket 1 was rewritten.
    expect(found).toEqual([{ check: 'append-only-changed', table: 'public.audit_log', detail: 'append-only public.audit_log: rows changed in 1 key range(s) written before (id [11, 21))' }]);
  });

  it('finds schema objects gone (an index, a trigger), not new ones', () => {
    const objects = { 'table public.orders': {}, 'index public.orders_customer_idx': { valid: 'true' }, 'trigger public.orders.orders_audit': {} };
    const found = compareManifests(
      withContent(0, { 'public.orders': 5000 }, {}, objects),
      withContent(1, { 'public.orders': 5000 }, {}, { 'table public.orders': {}, 'index public.orders_total_idx': { valid: 'true' } }),
      db.anomalies,
    );
    expect(found.map((a) => a.detail)).toEqual(['index public.orders_customer_idx is gone', 'trigger public.orders.orders_audit is gone']);
  });
});
