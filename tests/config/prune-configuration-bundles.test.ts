// prune-configuration-bundles with S3 answered by aws-sdk-client-mock over a stateful stand-in of one
// bundle key's versions: the exact requests (ListObjectVersions by the key's prefix, page by page; a HEAD
// per version for its captured-at; the tags of what the plan removes; DeleteObject with the VersionId),
// the versions each rule keeps (hourly, daily, weekly, monthly, yearly on Tokyo's calendar, and the team's
// GFS with 7 years of yearly bundles), the current version never deleted, a legal hold, a dry run, a second
// run that deletes nothing, a version already gone, and AccessDenied alerting.

import { DeleteObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, ListObjectVersionsCommand, S3Client, type ListObjectVersionsCommandInput } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/config/prune-configuration-bundles/handler.js';
import { pruneConfigurationBundles, type PruneBundlesDeps } from '../../functions/config/prune-configuration-bundles/prune-configuration-bundles.js';
import { lambdaContext } from '../../sandbox/lambda-context.js';
import { captureTime, CURRENT_VERSION_GUARD, UNKNOWN_CAPTURE_GUARD } from '../../shared/config/retention.js';
import { InvalidInput, RunFailed } from '../../shared/errors.js';
import type { Policy } from '../../shared/policy/schema.js';
import { logger, metrics, setRuntime } from '../../shared/runtime/lambda.js';
import { RecordingAlerts, RecordingLog, teamPolicy } from '../helpers/runtime.js';

const BUCKET = 'backup-dr-config-test-123456789012-ap-northeast-1';
const KEY = 'config/app-config/bundle.json';
const NOW = Date.parse('2026-12-01T12:00:00+09:00');
const s3 = mockClient(S3Client);

interface StoredVersion {
  readonly id: string;
  /** Tokyo wall time "2026-12-01T11:30", or null for a version without captured-at. */
  readonly at: string | null;
  readonly marker?: boolean;
  readonly tags?: { Key: string; Value: string }[];
}

/** One key's history, newest first as S3 lists it; the first entry is the current one. */
class FakeHistory {
  readonly entries: StoredVersion[];
  constructor(entries: StoredVersion[], private readonly pageSize = 4) {
    this.entries = [...entries];
  }
  time(v: StoredVersion): Date {
    return new Date(v.at === null ? NOW - 86_400_000 * 400 : Date.parse(`${v.at}:00+09:00`));
  }
  install(): void {
    s3.on(ListObjectVersionsCommand).callsFake((input: ListObjectVersionsCommandInput) => {
      const all = input.Prefix !== undefined && KEY.startsWith(input.Prefix) ? this.entries : [];
      const start = input.VersionIdMarker === undefined ? 0 : all.findIndex((e) => e.id === input.VersionIdMarker) + 1;
      const page = all.slice(start, start + this.pageSize);
      const more = start + this.pageSize < all.length;
      const entry = (v: StoredVersion) => ({ Key: KEY, VersionId: v.id, IsLatest: v === this.entries[0], LastModified: this.time(v) });
      return {
        Versions: page.filter((v) => v.marker !== true).map((v) => ({ ...entry(v), Size: 100 })),
        DeleteMarkers: page.filter((v) => v.marker === true).map(entry),
        IsTruncated: more,
        ...(more ? { NextKeyMarker: KEY, NextVersionIdMarker: page[page.length - 1]!.id } : {}),
      };
    });
    const find = (id: string | undefined) => {
      const found = this.entries.find((e) => e.id === id && e.marker !== true);
      if (found === undefined) throw Object.assign(new Error('Not Found'), { name: 'NotFound' });
      return found;
    };
    s3.on(HeadObjectCommand).callsFake((input: { VersionId?: string }) => {
      const v = find(input.VersionId);
      return { Metadata: { 'bundle-sha256': 'ab'.repeat(32), ...(v.at === null ? {} : { 'captured-at': this.time(v).toISOString() }) } };
    });
    s3.on(GetObjectTaggingCommand).callsFake((input: { VersionId?: string }) => ({ TagSet: find(input.VersionId).tags ?? [] }));
    s3.on(DeleteObjectCommand).callsFake((input: { VersionId?: string }) => {
      const index = this.entries.findIndex((e) => e.id === input.VersionId);
      if (index >= 0) this.entries.splice(index, 1);
      return {};
    });
  }
  ids(): string[] {
    return this.entries.map((e) => e.id);
  }
}

/** The team policy with app-config kept by count rules (below the 7-year floor: with an override). */
const countPolicy = () =>
  teamPolicy((doc) => {
    doc.resources.configuration[0].retention = { hourly: 2, daily: 2, weekly: 2, monthly: 2, yearly: 2, complianceOverride: 'test of the count rules only' };
  });

function deps(policy: Policy, overrides: Partial<PruneBundlesDeps> = {}): PruneBundlesDeps & { alerts: RecordingAlerts; log: RecordingLog } {
  return { policy, role: 'primary', s3: new S3Client({ region: 'ap-northeast-1' }), bucket: BUCKET, region: 'ap-northeast-1', alerts: new RecordingAlerts(), log: new RecordingLog(), now: () => NOW, ...overrides } as PruneBundlesDeps & { alerts: RecordingAlerts; log: RecordingLog };
}

const deletedIds = () => s3.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input.VersionId);

/** Tokyo: Tuesday 1 December 2026 is in ISO week 49 (from Monday 30 November). */
const HISTORY: StoredVersion[] = [
  { id: 'marker', at: '2026-12-01T11:45', marker: true },
  { id: 'v-1130', at: '2026-12-01T11:30' }, // hourly (11h), daily (1 Dec), weekly (W49), monthly (Dec), yearly (2026)
  { id: 'v-1010', at: '2026-12-01T10:10' }, // hourly (10h)
  { id: 'v-1005', at: '2026-12-01T10:05' }, // the same hour, older: no rule
  { id: 'v-mon', at: '2026-11-30T09:00' }, // daily (30 Nov), monthly (Nov)
  { id: 'v-sun', at: '2026-11-29T09:00' }, // weekly (W48)
  { id: 'v-sat', at: '2026-11-28T09:00' }, // W48 again: no rule
  { id: 'v-w47', at: '2026-11-20T09:00', tags: [{ Key: 'Legal-Hold', Value: 'case-17' }] }, // no rule, but held
  { id: 'v-oct', at: '2026-10-15T09:00' }, // the monthly count is spent: no rule
  { id: 'v-2025', at: '2025-06-01T09:00' }, // yearly (2025)
  { id: 'v-2024', at: '2024-06-01T09:00' }, // the yearly count is spent: no rule
];

describe('prune-configuration-bundles', () => {
  beforeEach(() => s3.reset());

  it('lists the key\'s versions page by page, HEADs each (not the delete marker), keeps what the hourly, daily, weekly, monthly and yearly rules keep and deletes the rest by VersionId — not a held version, nor the delete marker', async () => {
    const history = new FakeHistory(HISTORY);
    history.install();
    const d = deps(countPolicy());
    const [decision] = await pruneConfigurationBundles(d, { dryRun: false });
    expect(s3.commandCalls(ListObjectVersionsCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: BUCKET, Prefix: KEY, MaxKeys: 1000 },
      { Bucket: BUCKET, Prefix: KEY, MaxKeys: 1000, KeyMarker: KEY, VersionIdMarker: 'v-1005' },
      { Bucket: BUCKET, Prefix: KEY, MaxKeys: 1000, KeyMarker: KEY, VersionIdMarker: 'v-w47' },
    ]);
    expect(s3.commandCalls(HeadObjectCommand).map((c) => c.args[0].input)).toEqual(
      HISTORY.filter((v) => v.marker !== true).map((v) => ({ Bucket: BUCKET, Key: KEY, VersionId: v.id })),
    );
    // Tags only for what the plan removes.
    expect(s3.commandCalls(GetObjectTaggingCommand).map((c) => c.args[0].input.VersionId).sort()).toEqual(['v-1005', 'v-2024', 'v-oct', 'v-sat', 'v-w47']);
    expect(s3.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input)).toEqual(
      ['v-1005', 'v-sat', 'v-oct', 'v-2024'].map((VersionId) => ({ Bucket: BUCKET, Key: KEY, VersionId })),
    );
    expect(history.ids()).toEqual(['marker', 'v-1130', 'v-1010', 'v-mon', 'v-sun', 'v-w47', 'v-2025']);
    expect(decision!.deleted).toEqual(['v-1005', 'v-sat', 'v-oct', 'v-2024']);
    const kept = Object.fromEntries(decision!.kept.map((k) => [k.id, [...k.reasons, ...k.guards]]));
    expect(kept).toEqual({
      'v-1130': ['hourly snapshot', 'daily snapshot', 'weekly snapshot', 'monthly snapshot', 'yearly snapshot', 'newest snapshot'],
      'v-1010': ['hourly snapshot'],
      'v-mon': ['daily snapshot', 'monthly snapshot'],
      'v-sun': ['weekly snapshot'],
      'v-2025': ['yearly snapshot'],
      'v-w47': ['legal hold'],
    });
    expect(d.alerts.published).toEqual([]);
  });

  it('a second run over what the first left deletes nothing', async () => {
    const history = new FakeHistory(HISTORY);
    history.install();
    await pruneConfigurationBundles(deps(countPolicy()), { dryRun: false });
    s3.resetHistory();
    const [decision] = await pruneConfigurationBundles(deps(countPolicy()), { dryRun: false });
    expect(s3.commandCalls(DeleteObjectCommand)).toEqual([]);
    expect(decision!.deleted).toEqual([]);
    expect(history.ids()).toEqual(['marker', 'v-1130', 'v-1010', 'v-mon', 'v-sun', 'v-w47', 'v-2025']);
  });

  it('never deletes the current version, even when its captured-at makes the rules drop it', async () => {
    // The current version says 10:05, an older version 10:10 of the same hour: the hourly rule keeps 10:10.
    new FakeHistory([
      { id: 'current', at: '2026-12-01T10:05' },
      { id: 'v-1010', at: '2026-12-01T10:10' },
      { id: 'v-0900', at: '2026-12-01T09:00' },
    ]).install();
    const policy = teamPolicy((doc) => {
      doc.resources.configuration[0].retention = { hourly: 1, complianceOverride: 'test of the current-version guard' };
    });
    const [decision] = await pruneConfigurationBundles(deps(policy), { dryRun: false });
    expect(deletedIds()).toEqual(['v-0900']);
    expect(decision!.kept).toContainEqual({ id: 'current', reasons: [], guards: [CURRENT_VERSION_GUARD] });
  });

  it('a dry run (the run\'s or the policy\'s) reads everything, deletes nothing and reports what it would delete', async () => {
    for (const [policy, dryRun] of [[countPolicy(), true], [teamPolicy((doc) => {
      doc.dryRun = true;
      doc.resources.configuration[0].retention = { hourly: 2, daily: 2, weekly: 2, monthly: 2, yearly: 2, complianceOverride: 'test of the count rules only' };
    }), false]] as const) {
      s3.reset();
      const history = new FakeHistory(HISTORY);
      history.install();
      const d = deps(policy);
      const [decision] = await pruneConfigurationBundles(d, { dryRun: dryRun || policy.dryRun });
      expect(s3.commandCalls(DeleteObjectCommand)).toEqual([]);
      expect(decision!.wouldDelete).toEqual(['v-1005', 'v-sat', 'v-oct', 'v-2024']);
      expect(decision!.deleted).toEqual([]);
      expect(history.ids()).toHaveLength(HISTORY.length);
      expect(d.log.lines.filter((l) => l.message === 'dry run: would delete bundle version').map((l) => l.fields.versionId)).toEqual(['v-1005', 'v-sat', 'v-oct', 'v-2024']);
    }
  });

  it('the team policy (GFS: 30 days daily, 12 weeks weekly, 12 months monthly, 7 years yearly): of nine years of bundles, the yearly ones of the last 7 years stay and the older go', async () => {
    const yearly = Array.from({ length: 9 }, (_, i) => ({ id: `y-${2025 - i}`, at: `${2025 - i}-06-01T03:00` }));
    new FakeHistory([{ id: 'today', at: '2026-12-01T03:00' }, ...yearly], 100).install();
    const [decision] = await pruneConfigurationBundles(deps(teamPolicy()), { dryRun: false });
    // Within 7 years of the newest (1 Dec 2026): back to 1 Dec 2019 — June 2019 and before go; 7 yearly bundles (2020 to 2026) stay.
    expect(deletedIds()).toEqual(['y-2019', 'y-2018', 'y-2017']);
    expect(decision!.kept.map((k) => k.id).sort()).toEqual(['today', 'y-2020', 'y-2021', 'y-2022', 'y-2023', 'y-2024', 'y-2025']);
  });

  it('the secondary prunes its replicas by the secondary retention when the configuration has one', async () => {
    new FakeHistory(HISTORY).install();
    const policy = teamPolicy((doc) => {
      doc.resources.configuration[0].retention = { hourly: 2, daily: 2, weekly: 2, monthly: 2, yearly: 2, complianceOverride: 'test of the count rules only', secondary: { last: 1, yearly: 3 } };
    });
    const [decision] = await pruneConfigurationBundles(deps(policy, { role: 'secondary', region: 'ap-southeast-1', bucket: 'replica-bucket' }), { dryRun: false });
    expect(s3.commandCalls(DeleteObjectCommand).every((c) => c.args[0].input.Bucket === 'replica-bucket')).toBe(true);
    // last 1 + one per year (2026, 2025, 2024); v-w47 held.
    expect(decision!.kept.map((k) => k.id).sort()).toEqual(['v-1130', 'v-2024', 'v-2025', 'v-w47']);
  });

  it('keeps a version whose captured-at cannot be read, and counts it in no rule', async () => {
    new FakeHistory([{ id: 'current', at: '2026-12-01T11:00' }, { id: 'no-time', at: null }, { id: 'old', at: '2026-12-01T09:00' }]).install();
    const policy = teamPolicy((doc) => {
      doc.resources.configuration[0].retention = { last: 1, complianceOverride: 'test of the unknown-time guard' };
    });
    const [decision] = await pruneConfigurationBundles(deps(policy), { dryRun: false });
    expect(deletedIds()).toEqual(['old']);
    expect(decision!.kept).toContainEqual({ id: 'no-time', reasons: [], guards: [UNKNOWN_CAPTURE_GUARD] });
    expect(captureTime({ 'captured-at': 'yesterday' })).toBeNull();
    expect(captureTime({ 'captured-at': '2026-12-01T02:00:00.000Z' })).toBe(Date.parse('2026-12-01T02:00:00Z'));
  });

  it('a version deleted meanwhile (HEAD NotFound, DeleteObject NoSuchVersion) is not an error', async () => {
    new FakeHistory(HISTORY).install();
    s3.on(HeadObjectCommand, { VersionId: 'v-oct' }).rejects(Object.assign(new Error('Not Found'), { name: 'NotFound' }));
    s3.on(DeleteObjectCommand, { VersionId: 'v-sat' }).rejects(Object.assign(new Error('gone'), { name: 'NoSuchVersion' }));
    const d = deps(countPolicy());
    const [decision] = await pruneConfigurationBundles(d, { dryRun: false });
    expect(decision!.deleted).toEqual(['v-1005', 'v-sat', 'v-2024']);
    expect(d.log.lines.some((l) => l.message === 'bundle version already gone' && l.fields.versionId === 'v-sat')).toBe(true);
    expect(d.alerts.published).toEqual([]);
  });

  it('AccessDenied listing the versions: nothing deleted, one prune-failed alert naming the configuration, and the run fails', async () => {
    s3.on(ListObjectVersionsCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    const d = deps(countPolicy());
    await expect(pruneConfigurationBundles(d, { dryRun: false })).rejects.toBeInstanceOf(RunFailed);
    expect(s3.commandCalls(DeleteObjectCommand)).toEqual([]);
    expect(d.alerts.published).toEqual([
      expect.objectContaining({ severity: 'critical', kind: 'prune-failed', resource: 'app-config', region: 'ap-northeast-1', source: 'prune-configuration-bundles', details: expect.objectContaining({ error: 'AccessDenied' }) }),
    ]);
  });

  it('AccessDenied deleting a version: the versions before it are deleted, the run stops for that configuration and alerts', async () => {
    new FakeHistory(HISTORY).install();
    s3.on(DeleteObjectCommand, { VersionId: 'v-oct' }).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    const d = deps(countPolicy());
    await expect(pruneConfigurationBundles(d, { dryRun: false })).rejects.toThrow(/app-config/);
    expect(deletedIds()).toEqual(['v-1005', 'v-sat', 'v-oct']);
    expect(d.alerts.published.map((a) => a.kind)).toEqual(['prune-failed']);
  });

  it('an unknown configuration name is InvalidInput naming `resources`, with nothing sent', async () => {
    const error = await pruneConfigurationBundles(deps(countPolicy()), { dryRun: false, resources: ['nope'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInput);
    expect((error as InvalidInput).field).toBe('resources');
    expect(s3.calls()).toEqual([]);
  });
});

describe('prune-configuration-bundles: the handler', () => {
  beforeEach(() => s3.reset());
  afterAll(() => setRuntime(undefined));

  function inRegion(policy: Policy, role: 'primary' | 'secondary' = 'primary') {
    const region = policy.regions[role];
    process.env.CONFIG_BUCKET = role === 'primary' ? BUCKET : 'backup-dr-config-test-123456789012-ap-southeast-1';
    setRuntime({ stage: 'test', policy, role, region, alerts: new RecordingAlerts(), logger, log: new RecordingLog(), metrics, now: () => NOW });
    return (event: unknown) => handler(event, lambdaContext('prune-configuration-bundles', { region })) as Promise<{ dryRun: boolean; decisions: { deleted: readonly string[]; wouldDelete: readonly string[] }[] }>;
  }

  it('a schedule (no input) prunes this region\'s config bucket; `{"dryRun": true}` only reports', async () => {
    new FakeHistory(HISTORY).install();
    const invoke = inRegion(countPolicy());
    const dry = await invoke({ dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(dry.decisions[0]!.wouldDelete).toEqual(['v-1005', 'v-sat', 'v-oct', 'v-2024']);
    expect(s3.commandCalls(DeleteObjectCommand)).toEqual([]);
    const done = await invoke(undefined);
    expect(done.dryRun).toBe(false);
    expect(done.decisions[0]!.deleted).toEqual(['v-1005', 'v-sat', 'v-oct', 'v-2024']);
    expect(new Set(s3.calls().map((c) => (c.args[0].input as { Bucket: string }).Bucket))).toEqual(new Set([BUCKET]));
  });

  it('the secondary prunes its own bucket (the replicas)', async () => {
    new FakeHistory(HISTORY).install();
    await inRegion(countPolicy(), 'secondary')({});
    expect(new Set(s3.calls().map((c) => (c.args[0].input as { Bucket: string }).Bucket))).toEqual(new Set(['backup-dr-config-test-123456789012-ap-southeast-1']));
  });

  it('an input cannot lift the policy\'s dry run', async () => {
    new FakeHistory(HISTORY).install();
    const policy = teamPolicy((doc) => {
      doc.dryRun = true;
    });
    const result = await inRegion(policy)({ dryRun: false });
    expect(result.dryRun).toBe(true);
    expect(s3.commandCalls(DeleteObjectCommand)).toEqual([]);
  });

  it('`dryRun` that is not a boolean is InvalidInput naming it, with nothing sent', async () => {
    const error = await inRegion(countPolicy())({ dryRun: 'yes' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInput);
    expect((error as InvalidInput).field).toBe('dryRun');
    expect(s3.calls()).toEqual([]);
  });
});
