// The media-restore state machine executed from its ASL file, every Task bound to the real handler, S3
// answered by the stand-in (versions, delete markers, storage classes, copies, archive restores) for the
// source bucket in Tokyo and its replica in Singapore: a dry run lists and changes nothing; a real run
// makes the prefix what it was at the time asked for, copying from the replica where the source lost a
// version; a second run changes nothing; archived versions are restored first and the machine walks again;
// bad input, a failing page and keys that cannot be copied reach the alert.

import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler as notify } from '../../functions/media/media-restore-notify/handler.js';
import { KEYS_PER_PAGE } from '../../functions/media/media-restore-pass/media-restore-pass.js';
import { handler as pass } from '../../functions/media/media-restore-pass/handler.js';
import { handler as plan } from '../../functions/media/media-restore-plan/handler.js';
import { handler as record } from '../../functions/media/media-restore-record/handler.js';
import { S3StandIn } from '../../sandbox/aws/s3-standin.js';
import { asTask, runLocally, type LocalTask } from '../../sandbox/step-functions/asl.js';
import { snsAlertSink } from '../../shared/alerts/sns.js';
import { RESTORED_FROM_METADATA } from '../../shared/media/point-in-time.js';
import { log, logger, metrics, setRuntime } from '../../shared/runtime/lambda.js';
import { mediaRestoreDefinition } from '../../state-machines/media/restore-prefix.js';
import { teamPolicy } from '../helpers/runtime.js';

const PRIMARY = 'ap-northeast-1';
const SOURCE = 'app-media-prod';
const REPLICA = 'app-media-replica-apse1';
const REPORTS = 'backup-dr-reports-test-123456789012-ap-northeast-1';
const TOPIC = 'arn:aws:sns:ap-northeast-1:123456789012:backup-dr-alerts-test';
const NOW = Date.parse('2026-12-01T12:00:00+09:00');
const at = (hour: number) => Date.parse('2026-11-30T00:00:00+09:00') + hour * 3_600_000;
/** The time restored to: 2026-11-30 10:00 Tokyo. */
const T = new Date(at(10)).toISOString();

const snsMock = mockClient(SNSClient);
let s3: S3StandIn;
const body = (key: string) => s3.object(SOURCE, key)?.body;
const alerts = () => snsMock.commandCalls(PublishCommand).map((c) => JSON.parse((JSON.parse(c.args[0].input.Message ?? '{}') as { lambda: string }).lambda) as Record<string, any>);

/** A version written in both buckets, as replication does (same id, same time). */
function both(key: string, content: string, hour: number, options: { storageClass?: string; id: string }): void {
  s3.put(SOURCE, key, content, {}, { versionId: options.id, lastModified: at(hour), metadata: { author: 'app' }, ...(options.storageClass === undefined ? {} : { storageClass: options.storageClass }) });
  s3.put(REPLICA, key, content, {}, { versionId: options.id, lastModified: at(hour), metadata: { author: 'app' } });
}

/**
 * The prefix uploads/ as the application left it by 12:00, restored to 10:00:
 * - a.jpg: v1 at 8, overwritten at 11 (v2)            → v1 copied back
 * - b.jpg: v1 at 8, deleted at 11                      → v1 copied back
 * - c.jpg: created at 11                               → delete marker
 * - d.jpg: v1 at 8, unchanged                          → kept
 * - e.jpg: v1 at 8, overwritten at 9 (v2), then at 11 (v3); v2 expired from the source, kept in the replica → v2 from the replica
 * - f.jpg: deleted at 9 and re-created at 11          → delete marker
 * - other/x.jpg: overwritten at 11, outside the prefix → untouched
 */
function history(): void {
  both('uploads/a.jpg', 'a-1', 8, { id: 'a1' });
  both('uploads/a.jpg', 'a-2', 11, { id: 'a2' });
  both('uploads/b.jpg', 'b-1', 8, { id: 'b1' });
  s3.putDeleteMarker(SOURCE, 'uploads/b.jpg', { versionId: 'bd', lastModified: at(11) });
  both('uploads/c.jpg', 'c-1', 11, { id: 'c1' });
  both('uploads/d.jpg', 'd-1', 8, { id: 'd1' });
  s3.put(SOURCE, 'uploads/e.jpg', 'e-1', {}, { versionId: 'e1', lastModified: at(8) });
  s3.put(REPLICA, 'uploads/e.jpg', 'e-2', {}, { versionId: 'e2', lastModified: at(9), metadata: { author: 'editor' } });
  both('uploads/e.jpg', 'e-3', 11, { id: 'e3' });
  both('uploads/f.jpg', 'f-1', 7, { id: 'f1' });
  s3.putDeleteMarker(SOURCE, 'uploads/f.jpg', { versionId: 'fd', lastModified: at(9) });
  both('uploads/f.jpg', 'f-2', 11, { id: 'f2' });
  both('other/x.jpg', 'x-1', 8, { id: 'x1' });
  both('other/x.jpg', 'x-2', 11, { id: 'x2' });
}

describe('media-restore state machine (S3 stand-in)', () => {
  beforeEach(() => {
    snsMock.reset();
    snsMock.on(PublishCommand).resolves({ MessageId: 'm' });
    s3 = new S3StandIn({ now: () => NOW });
    s3.install();
    process.env.REPORTS_BUCKET = REPORTS;
    const policy = teamPolicy();
    setRuntime({ stage: 'test', policy, role: 'primary', region: PRIMARY, alerts: snsAlertSink(new SNSClient({ region: PRIMARY }), TOPIC, policy.timezone), logger, log, metrics, now: () => NOW });
  });
  afterEach(() => s3.restore());
  afterAll(() => setRuntime(undefined));

  const tasks = (over: Partial<Record<string, LocalTask>> = {}): Record<string, LocalTask> => ({
    mediaRestorePlan: asTask('mediaRestorePlan', plan),
    mediaRestorePass: asTask('mediaRestorePass', pass),
    mediaRestoreRecord: asTask('mediaRestoreRecord', record),
    mediaRestoreNotify: asTask('mediaRestoreNotify', notify),
    ...(over as Record<string, LocalTask>),
  });
  const run = (input: unknown, options: { onState?: (name: string) => void; over?: Partial<Record<string, LocalTask>> } = {}) =>
    runLocally(mediaRestoreDefinition(), input, tasks(options.over), options.onState === undefined ? {} : { onState: options.onState });
  const evidence = () => JSON.parse(s3.objects().filter((o) => o.key.startsWith('evidence/')).sort((a, b) => Number(a.versionId.slice(1)) - Number(b.versionId.slice(1))).at(-1)?.body ?? 'null') as Record<string, any>;
  const listing = () =>
    s3
      .objects()
      .filter((o) => o.key.startsWith('media-restores/media/'))
      .flatMap((o) => o.body.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>));

  it('a dry run (the default) lists what would change and changes nothing', async () => {
    history();
    const before = s3.objects().filter((o) => o.bucket === SOURCE).map((o) => `${o.key}@${o.versionId}`);
    const result = await run({ resource: 'media', prefix: 'uploads/', at: T });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.states).toEqual(['Start', 'Plan', 'Restore a page', 'More keys?', 'Record', 'Failed?', 'Done']);
    expect(s3.objects().filter((o) => o.bucket === SOURCE).map((o) => `${o.key}@${o.versionId}`)).toEqual(before);
    expect(evidence()).toMatchObject({ outcome: 'dry-run', run: { dryRun: true, summary: { keys: 6, unchanged: 1, copies: 3, fromReplica: 1, deletes: 2 } } });
    expect(evidence().summary).toMatch(/^dry run — 6 keys under "uploads\/" at 2026-11-30T01:00:00.000Z: 1 unchanged, 3 to copy back \(1 from the replica, /);
    expect(listing().map((l) => `${l.key} ${l.action} ${l.versionId ?? ''} ${l.from ?? ''}`.trim())).toEqual([
      'uploads/a.jpg copy a1 source',
      'uploads/b.jpg copy b1 source',
      'uploads/c.jpg delete',
      'uploads/e.jpg copy e2 replica',
      'uploads/f.jpg delete',
    ]);
  });

  it('a real run makes the prefix what it was at the time — from the replica where the source lost the version — and a second run changes nothing', async () => {
    history();
    const result = await run({ resource: 'media', prefix: 'uploads/', at: T, dryRun: false });
    expect(result.status).toBe('SUCCEEDED');
    expect(evidence()).toMatchObject({ outcome: 'restored' });
    expect(['a', 'b', 'c', 'd', 'e', 'f'].map((k) => body(`uploads/${k}.jpg`) ?? '(absent)')).toEqual(['a-1', 'b-1', '(absent)', 'd-1', 'e-2', '(absent)']);
    // The copies keep the metadata of the version they restore, and say which it is.
    expect(s3.object(SOURCE, 'uploads/e.jpg')?.metadata).toEqual({ author: 'editor', [RESTORED_FROM_METADATA]: 'e2' });
    // Nothing erased: every version is still there, under the new ones.
    expect(s3.versions(SOURCE, 'uploads/a.jpg').map((v) => v.versionId).slice(0, 2)).toEqual(['a1', 'a2']);
    expect(body('other/x.jpg')).toBe('x-2');

    const versionsAfterFirst = ['a', 'b', 'c', 'd', 'e', 'f'].map((k) => s3.versions(SOURCE, `uploads/${k}.jpg`).length);
    const again = await run({ resource: 'media', prefix: 'uploads/', at: T, dryRun: false });
    expect(again.status).toBe('SUCCEEDED');
    expect(['a', 'b', 'c', 'd', 'e', 'f'].map((k) => s3.versions(SOURCE, `uploads/${k}.jpg`).length)).toEqual(versionsAfterFirst);
    expect(evidence().run.summary).toMatchObject({ keys: 6, unchanged: 6, copies: 0, deletes: 0 });
  });

  it('restores an archived version first, waits, walks again, then copies it', async () => {
    both('uploads/g.jpg', 'g-1', 8, { id: 'g1', storageClass: 'GLACIER' });
    both('uploads/g.jpg', 'g-2', 11, { id: 'g2' });
    const result = await run({ resource: 'media', prefix: 'uploads/', at: T, dryRun: false }, { onState: (name) => name === 'Wait for archive restores' && s3.completeRestores() });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.states).toEqual(['Start', 'Plan', 'Restore a page', 'More keys?', 'Wait for archive restores', 'Restore a page', 'More keys?', 'Record', 'Failed?', 'Done']);
    expect(s3.requests().filter((r) => r.command === 'RestoreObject')).toEqual([{ command: 'RestoreObject', region: PRIMARY, bucket: SOURCE, key: 'uploads/g.jpg' }]);
    expect(body('uploads/g.jpg')).toBe('g-1');
    expect(s3.object(SOURCE, 'uploads/g.jpg')?.storageClass).toBe('STANDARD');
    expect(listing().map((l) => l.done)).toEqual(['archive restore requested (Standard, up to 5 h)', expect.stringMatching(/^copied as version v\d+$/)]);
  });

  it('walks a prefix of more keys than a page holds, page by page', async () => {
    for (let i = 0; i < KEYS_PER_PAGE + 5; i++) both(`uploads/many/${String(i).padStart(5, '0')}`, 'new', 11, { id: `n${i}` });
    const result = await run({ resource: 'media', prefix: 'uploads/many/', at: T, dryRun: false });
    expect(result.states.filter((s) => s === 'Restore a page')).toHaveLength(2);
    expect(evidence().run).toMatchObject({ page: 2, summary: { keys: KEYS_PER_PAGE + 5, deletes: KEYS_PER_PAGE + 5 } });
    expect(s3.objects().filter((o) => o.bucket === SOURCE && o.key.startsWith('uploads/many/'))).toEqual([]);
  });

  it('refuses bad input naming the field, with nothing changed, and alerts', async () => {
    history();
    const unknown = await run({ resource: 'pictures', prefix: 'uploads/', at: T });
    expect(unknown.status).toBe('FAILED');
    expect(evidence()).toMatchObject({ outcome: 'failed', run: null });
    expect(evidence().summary).toMatch(/^InvalidInput: .*resource: no media bucket "pictures" in the policy \(known: media\)/);
    const future = await run({ resource: 'media', prefix: 'uploads/', at: '2027-01-01T00:00:00Z' });
    expect(future.status).toBe('FAILED');
    expect(evidence().summary).toMatch(/at: 2027-01-01T00:00:00.000Z is in the future/);
    // Older than the bucket keeps replaced versions (the team's: a year): what existed then cannot be known.
    const tooOld = await run({ resource: 'media', prefix: 'uploads/', at: '2025-11-01T00:00:00+09:00' });
    expect(tooOld.status).toBe('FAILED');
    expect(evidence().summary).toMatch(/at: 2025-10-31T15:00:00.000Z is older than media keeps replaced versions \(lifecycle.noncurrentExpireAfter: 365 days\)/);
    expect(alerts().map((a) => a.kind)).toEqual(['media-restore-failed', 'media-restore-failed', 'media-restore-failed']);
    expect(s3.requests().filter((r) => r.command === 'CopyObject' || r.command === 'DeleteObject')).toEqual([]);
  });

  it('keys that cannot be copied are listed and fail the run; a page that fails outright goes to the alert', async () => {
    history();
    s3.put(SOURCE, 'uploads/h.jpg', 'h-2', {}, { versionId: 'h2', lastModified: at(11) });
    s3.put(REPLICA, 'uploads/h.jpg', 'h-1', {}, { versionId: 'h1', lastModified: at(8), storageClass: 'DEEP_ARCHIVE' });
    s3.put(REPLICA, 'uploads/h.jpg', 'h-2', {}, { versionId: 'h2', lastModified: at(11) });
    // The replica's Deep Archive version: restored first; here the restore never completes, and the walk gives up after its passes.
    const stuck = await run({ resource: 'media', prefix: 'uploads/h', at: T, dryRun: false });
    expect(stuck.status).toBe('FAILED');
    expect(evidence().summary).toMatch(/^ArchiveRestoreTimedOut: /);
    expect(alerts()[0]).toMatchObject({ severity: 'critical', kind: 'media-restore-failed', resource: 'media' });

    const broken = await run({ resource: 'media', prefix: 'uploads/', at: T, dryRun: false }, { over: { mediaRestorePass: async () => Promise.reject(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' })) } });
    expect(broken.status).toBe('FAILED');
    expect(broken.states).toEqual(['Start', 'Plan', 'Restore a page', 'Record', 'Failed?', 'Notify', 'Failed']);
  });
});
