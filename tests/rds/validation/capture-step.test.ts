// capture-db-manifest as it runs in AWS — against a real PostgreSQL, with RDS mocked (aws-sdk-client-mock)
// and S3 and Secrets Manager sandboxed: it captures before requesting the snapshot, stores that capture
// only when its own request created the snapshot, captures again once RDS says the snapshot exists, and
// treats a duplicate or retried event as a no-op.

import { CreateDBSnapshotCommand, DBSnapshotAlreadyExistsFault, DBSnapshotNotFoundFault, DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { Client } from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { captureDbManifests, type CaptureDeps } from '../../../functions/rds/capture-db-manifest/capture-db-manifest.js';
import { S3StandIn } from '../../../sandbox/aws/s3-standin.js';
import { SecretsStandIn } from '../../../sandbox/aws/secrets-standin.js';
import { manifestKey, RDS_EVENT } from '../../../shared/contracts.js';
import { manifestCaptureEvent } from '../../../shared/rds/events.js';
import { parseManifestDocument } from '../../../shared/rds/manifests.js';
import { parseInput } from '../../../shared/runtime/input.js';
import { ACCOUNT, ourTags, PRIMARY, primarySnapshot } from '../helpers/rds-fixtures.js';
import { postgresAvailable, seedProduction, TestDatabases } from '../../helpers/postgres.js';
import { RecordingAlerts, RecordingLog, teamPolicy } from '../../helpers/runtime.js';

const BUCKET = 'backup-dr-reports-test-123456789012-ap-northeast-1';
const SECRET = 'backup-dr/app-db-master';
const SCHEDULED = '2026-11-24T17:00:00Z'; // 02:00 in Tokyo
const SNAPSHOT = 'backup-dr-app-db-20261125-0200';
const KEY = manifestKey('app-db', SNAPSHOT);
// The database to capture is the instance's own (DBName); the sample has no audit log.
const POLICY = teamPolicy((doc) => {
  delete doc.resources.databases[0].restoreTest.database;
  doc.resources.databases[0].validation.appendOnly = [];
});

const rds = new RDSClient({ region: PRIMARY });
const rdsMock = mockClient(rds);
const fault = <T>(Fault: new (o: { message: string; $metadata: object }) => T, message = 'fault') => new Fault({ message, $metadata: {} });
const snapshotEvent = (id: string) => ({
  version: '0',
  id: 'e5e5e5e5-0000-0000-0000-000000000000',
  'detail-type': 'RDS DB Snapshot Event',
  source: 'aws.rds',
  account: ACCOUNT,
  time: '2026-11-24T17:04:00Z',
  region: PRIMARY,
  resources: [`arn:aws:rds:${PRIMARY}:${ACCOUNT}:snapshot:${id}`],
  detail: { EventCategories: ['creation'], SourceType: 'SNAPSHOT', SourceIdentifier: id, Message: 'Manual snapshot created', EventID: RDS_EVENT.manualSnapshotCreated },
});

const pgUp = await postgresAvailable();

describe.skipIf(!pgUp)('capture-db-manifest: two captures around each snapshot (real PostgreSQL)', () => {
  const databases = new TestDatabases();
  const secrets = new SecretsStandIn();
  let s3 = new S3StandIn();
  let source = '';
  let clock = Date.parse('2026-11-24T17:00:05Z');
  const events: string[] = [];

  function deps(alerts = new RecordingAlerts()): { alerts: RecordingAlerts; deps: CaptureDeps } {
    return {
      alerts,
      deps: { policy: POLICY, rds, secrets: new SecretsManagerClient({ region: PRIMARY }), s3: new S3Client({ region: PRIMARY }), bucket: BUCKET, tls: false, alerts, log: new RecordingLog(), now: () => (clock += 1_000) },
    };
  }
  const run = (d: CaptureDeps, event: unknown) => captureDbManifests(d, parseInput(manifestCaptureEvent, event));
  const stored = () => parseManifestDocument(s3.read(BUCKET, KEY) ?? 'null', KEY);

  beforeAll(async () => {
    source = await databases.create();
    await seedProduction(databases, source, Date.parse(SCHEDULED) - 60_000);
    const { user, password } = databases.connection(source);
    secrets.put(PRIMARY, SECRET, { username: user, password });
    secrets.install();
  });
  beforeEach(() => {
    s3 = new S3StandIn();
    s3.install();
    events.length = 0;
    rdsMock.reset();
    const { host, port } = databases.connection(source);
    rdsMock.on(DescribeDBInstancesCommand).callsFake(async () => {
      events.push('DescribeDBInstances');
      return { DBInstances: [{ DBInstanceIdentifier: 'app-db-prod', DBInstanceArn: `arn:aws:rds:${PRIMARY}:${ACCOUNT}:db:app-db-prod`, DBName: source, Endpoint: { Address: host, Port: port } }] };
    });
    rdsMock.on(CreateDBSnapshotCommand).callsFake(async () => {
      // The capture before the snapshot has ended by now: nothing of it is still connected.
      events.push(`CreateDBSnapshot (capture sessions open: ${await databases.sessionsNamed('backup-dr capture-db-manifest')})`);
      return { DBSnapshot: { DBSnapshotIdentifier: SNAPSHOT, Status: 'creating' } };
    });
    rdsMock.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: SNAPSHOT }).resolves({ DBSnapshots: [primarySnapshot(SNAPSHOT, '2026-11-24T17:00:20Z')] });
  });
  afterEach(() => s3.restore());
  afterAll(async () => {
    secrets.restore();
    await databases.dropAll();
  });

  it('captures before the snapshot, then requests it, and stores the capture under its id (phase before)', async () => {
    const { deps: d, alerts } = deps();
    const result = await run(d, { scheduledTime: SCHEDULED, resources: ['app-db'] });

    expect(result.captured).toEqual([{ resource: 'app-db', snapshotId: SNAPSHOT, phase: 'before', key: KEY }]);
    expect(result.snapshots).toEqual([expect.objectContaining({ resource: 'app-db', snapshotId: SNAPSHOT, status: 'created' })]);
    expect(events).toEqual(['DescribeDBInstances', 'DescribeDBInstances', 'CreateDBSnapshot (capture sessions open: 0)']);
    const document = stored();
    expect(document).toMatchObject({ format: 'backup-dr/manifest/v2', snapshotId: SNAPSHOT, phase: 'before', tables: { 'public.orders': 3000 } });
    expect(document.capturedAt).toBeLessThan(document.snapshotRequestedAt ?? 0);
    expect(document.schema?.objects['table public.orders']).toBeDefined();
    expect(document.content?.seed).toBe(SNAPSHOT);
    expect(document.after).toBeUndefined();
    expect(alerts.published).toEqual([]);
  });

  it('stores nothing when the snapshot already existed (a retried or duplicate run): the capture could postdate it', async () => {
    s3.put(BUCKET, KEY, JSON.stringify({ capturedAt: 1, serverVersion: '15', tables: { 'public.orders': 3000 }, phase: 'before' }));
    rdsMock.on(CreateDBSnapshotCommand).rejects(fault(DBSnapshotAlreadyExistsFault, `Cannot create the snapshot because a snapshot with the identifier ${SNAPSHOT} already exists.`));
    const { deps: d, alerts } = deps();

    const result = await run(d, { scheduledTime: SCHEDULED, resources: ['app-db'] });

    expect(result).toMatchObject({ captured: [], snapshots: [{ status: 'already-exists' }], skipped: [{ snapshotId: SNAPSHOT, reason: expect.stringMatching(/^the snapshot existed before this capture/) }] });
    expect(s3.requests().filter((r) => r.command === 'PutObject')).toEqual([]);
    expect(stored().capturedAt).toBe(1);
    expect(alerts.published).toEqual([]);
  });

  it('requests the snapshot even when the capture fails, alerts that the manifest is missing, and fails the run', async () => {
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: 'app-db-prod', DBName: 'bdr_test_no_such_database', Endpoint: { Address: '127.0.0.1', Port: databases.connection(source).port } }] });
    const { deps: d, alerts } = deps();

    await expect(run(d, { scheduledTime: SCHEDULED, resources: ['app-db'] })).rejects.toMatchObject({ name: 'RunFailed', message: 'manifest capture or snapshot failed for app-db (ConnectFailed)' });

    expect(rdsMock).toHaveReceivedCommandTimes(CreateDBSnapshotCommand, 1);
    expect(s3.requests()).toEqual([]);
    expect(alerts.published).toEqual([
      expect.objectContaining({ severity: 'warning', kind: 'manifest-failed', resource: 'app-db', summary: `could not capture the manifest before snapshot ${SNAPSHOT}: ConnectFailed` }),
    ]);
  });

  it('abandons a capture that runs past its limit and still requests the snapshot in time', async () => {
    // Another session holds the biggest table: counting it waits (the statement timeout is a minute).
    const blocker = new Client(databases.connection(source));
    await blocker.connect();
    await blocker.query('begin');
    await blocker.query('lock table public.orders in access exclusive mode');
    const { deps: d, alerts } = deps();
    try {
      await expect(run({ ...d, captureLimitMs: 500 }, { scheduledTime: SCHEDULED, resources: ['app-db'] })).rejects.toMatchObject({ name: 'RunFailed', message: 'manifest capture or snapshot failed for app-db (CaptureAbandoned)' });
    } finally {
      await blocker.query('rollback');
      await blocker.end();
    }
    // (The abandoned session's server process may still wait for the lock: its statement timeout ends it.)
    expect(events.at(-1)).toMatch(/^CreateDBSnapshot /);
    expect(alerts.published).toEqual([expect.objectContaining({ kind: 'manifest-failed', summary: `could not capture the manifest before snapshot ${SNAPSHOT}: CaptureAbandoned` })]);
    expect(s3.requests()).toEqual([]);
  });

  it('captures after the snapshot on its "created" event, with the layout captured before it, and adds it to the manifest; a duplicate event is a no-op', async () => {
    const { deps: d } = deps();
    await run(d, { scheduledTime: SCHEDULED, resources: ['app-db'] });
    await databases.run(source, `insert into public.orders select g, 1, 9.99, now() from generate_series(3001, 3002) g`);

    const result = await run(d, snapshotEvent(SNAPSHOT));

    expect(result.captured).toEqual([{ resource: 'app-db', snapshotId: SNAPSHOT, phase: 'after', key: KEY }]);
    const document = stored();
    expect(document).toMatchObject({ phase: 'before', tables: { 'public.orders': 3000 }, after: { phase: 'after', tables: { 'public.orders': 3002 } } });
    const [before, after] = [document.content?.tables['public.orders'], document.after?.content?.tables['public.orders']];
    expect(after).toEqual(before);
    const puts = s3.requests().filter((r) => r.command === 'PutObject').length;

    const again = await run(d, snapshotEvent(SNAPSHOT));
    expect(again).toMatchObject({ captured: [], skipped: [{ snapshotId: SNAPSHOT, reason: 'the manifest after this snapshot was already captured' }] });
    expect(s3.requests().filter((r) => r.command === 'PutObject')).toHaveLength(puts);
    await databases.run(source, 'delete from public.orders where id > 3000');
  });

  it('stores a capture after a snapshot that has none before it, on its own', async () => {
    const { deps: d } = deps();

    await run(d, snapshotEvent(SNAPSHOT));

    expect(stored()).toMatchObject({ phase: 'after', snapshotId: SNAPSHOT, tables: { 'public.orders': 3000 } });
    expect(stored().after).toBeUndefined();
  });

  it.each([
    { name: 'a snapshot of a database the policy does not restore-test', id: 'backup-dr-billing-20261125-0200', setup: () => undefined, reason: 'backup-dr-billing-20261125-0200 is not a snapshot id of a database with a restore test in the policy' },
    { name: 'a snapshot that is gone', id: SNAPSHOT, setup: () => rdsMock.on(DescribeDBSnapshotsCommand).rejects(fault(DBSnapshotNotFoundFault, 'not found')), reason: `snapshot ${SNAPSHOT} does not exist` },
    {
      name: 'a snapshot that is not ours',
      id: SNAPSHOT,
      setup: () => rdsMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [primarySnapshot(SNAPSHOT, '2026-11-24T17:00:20Z', {}, ourTags('app-db').filter((t) => t.Key !== 'backup-dr:owner'))] }),
      reason: `snapshot ${SNAPSHOT} is not one of ours of app-db`,
    },
    {
      name: 'a snapshot still being created',
      id: SNAPSHOT,
      setup: () => rdsMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [primarySnapshot(SNAPSHOT, '2026-11-24T17:00:20Z', { Status: 'creating' })] }),
      reason: `snapshot ${SNAPSHOT} is creating, not available yet: a capture now might precede the data it holds`,
    },
  ])('skips the event of $name, capturing nothing', async ({ id, setup, reason }) => {
    setup();
    const { deps: d, alerts } = deps();

    const result = await run(d, snapshotEvent(id));

    expect(result).toMatchObject({ captured: [], skipped: [{ snapshotId: id, reason }] });
    expect(s3.requests()).toEqual([]);
    expect(alerts.published).toEqual([]);
  });

  it('refuses {"after": …} by hand for a snapshot it cannot capture after, naming why', async () => {
    const { deps: d } = deps();

    await expect(run(d, { after: 'backup-dr-app-db-nonsense' })).rejects.toMatchObject({ name: 'InvalidInput', message: 'after: backup-dr-app-db-nonsense is not a snapshot id of a database with a restore test in the policy' });
  });

  it('fails the capture after the snapshot with ManifestUnreadable when the manifest cannot be read (never "none")', async () => {
    s3.denyReads('manifests/');
    const { deps: d, alerts } = deps();

    await expect(run(d, snapshotEvent(SNAPSHOT))).rejects.toMatchObject({ name: 'RunFailed', message: 'manifest capture or snapshot failed for app-db (ManifestUnreadable)' });
    expect(s3.requests().filter((r) => r.command === 'PutObject')).toEqual([]);
    expect(alerts.published).toEqual([expect.objectContaining({ kind: 'manifest-failed', summary: `could not capture the manifest after snapshot ${SNAPSHOT}: ManifestUnreadable` })]);
  });

  it('on the fallback schedule, captures after each recent snapshot still without one (its event was lost), and leaves older ones', async () => {
    const old = 'backup-dr-app-db-20261124-0200';
    rdsMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [primarySnapshot(SNAPSHOT, '2026-11-24T17:00:20Z'), primarySnapshot(old, '2026-11-23T17:00:20Z')] });
    s3.put(BUCKET, KEY, JSON.stringify({ capturedAt: 1, serverVersion: '15', tables: { 'public.orders': 3000 }, phase: 'before' }));
    const { deps: d } = deps();
    clock = Date.parse('2026-11-24T18:00:00Z');

    const result = await run(d, { reconcile: true });

    expect(result.captured).toEqual([{ resource: 'app-db', snapshotId: SNAPSHOT, phase: 'after', key: KEY }]);
    expect(stored()).toMatchObject({ capturedAt: 1, after: { phase: 'after' } });
    expect(s3.read(BUCKET, manifestKey('app-db', old))).toBeUndefined();
    const again = await run(d, { reconcile: true });
    expect(again.captured).toEqual([]);
  });
});
