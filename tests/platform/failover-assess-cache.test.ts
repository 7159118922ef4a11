// failover-assess, caches (pure): the newest export verified in the secondary seeds the policy's failover
// group (a rehearsal's bdr-rh-*), with the data loss its age implies; no verified export, or a cluster-mode
// one, gives no seed plan and says why; a recorded cache is done; a node type nowhere in the policy is
// refused naming the field.
import { describe, expect, it } from 'vitest';
import { cacheRehearsalName, cacheSummary, failoverCaches, planCache } from '../../functions/platform/failover-assess/cache-plan.js';
import { newestVerified } from '../../shared/redis/export-candidates.js';
import { teamPolicy } from '../helpers/runtime.js';

const NOW = Date.parse('2026-12-03T18:00:00+09:00');
const BUCKET = 'backup-dr-exports-test-123456789012-ap-southeast-1';
const run = (mode: 'failover' | 'rehearsal', records = new Map()) => ({ runId: 'r1', mode, startedAt: NOW, now: NOW, records });
const candidate = (name: string, verified = true, keys = [`${name}-0001.rdb`]) => ({ snapshotName: name, keys, whole: true, verified });

describe('the plan for a cache', () => {
  const policy = teamPolicy();
  const cache = failoverCaches(policy)[0]!;

  it('picks the newest whole, verified export (an unverified newer one is passed over)', () => {
    const newest = newestVerified([candidate('backup-dr-app-redis-20261203-1200', false), candidate('backup-dr-app-redis-20261203-0600'), candidate('backup-dr-app-redis-20261203-0000')], 'app-redis', policy.timezone);
    expect(newest).toMatchObject({ snapshotName: 'backup-dr-app-redis-20261203-0600', takenAt: Date.parse('2026-12-03T06:00:00+09:00') });
    expect(newestVerified([candidate('backup-dr-app-redis-20261203-1200', false)], 'app-redis', policy.timezone)).toBeNull();
  });

  it('seeds the failover group from it in the secondary network, with the data loss against the redis RPO', () => {
    const newest = { ...candidate('backup-dr-app-redis-20261203-0600'), takenAt: Date.parse('2026-12-03T06:00:00+09:00') };
    const planned = planCache(policy, cache, 0, { newest, manifest: null, bucket: BUCKET }, run('failover'));
    expect(planned).toEqual({
      resource: 'app-redis',
      step: 'cache-app-redis',
      done: false,
      hasEndpoint: true,
      endpointDone: false,
      rpoMs: 12 * 3_600_000,
      rpoTargetMs: 6 * 3_600_000,
      rtoTargetMs: 30 * 60_000,
      plan: {
        runId: 'r1',
        resource: 'app-redis',
        sourceGroupId: 'app-redis-prod',
        role: 'secondary',
        region: 'ap-southeast-1',
        snapshotName: 'backup-dr-app-redis-20261203-0600',
        restorePoint: Date.parse('2026-12-03T06:00:00+09:00'),
        seed: { kind: 'export', bucket: BUCKET, keys: ['backup-dr-app-redis-20261203-0600-0001.rdb'] },
        groupId: 'app-redis-dr',
        nodeType: 'cache.r7g.large', // failover.nodeType (absent: the restore test's)
        subnetGroup: 'app-redis-dr',
        securityGroups: ['sg-0e1f2a3b4c5d6e7f8'],
        manifestKey: 'manifests/app-redis/backup-dr-app-redis-20261203-0600.json',
        newest: true,
        plannedAt: NOW,
        waitUntil: NOW + 4 * 3_600_000,
      },
    });
    expect(cacheSummary(planned, false)).toMatch(/data loss ≈ 12\.0 h \(target 6\.0 h\) — OVER the objective$/);
  });

  it('names a rehearsal group bdr-rh-<cache>-<time> within 40 characters', () => {
    const newest = { ...candidate('backup-dr-app-redis-20261203-0600'), takenAt: NOW - 3_600_000 };
    expect(planCache(policy, cache, 0, { newest, manifest: null, bucket: BUCKET }, run('rehearsal')).plan?.groupId).toBe('bdr-rh-app-redis-202612031800');
    expect(cacheRehearsalName('a-very-long-cache-name-of-forty-chars-x', NOW, policy.timezone)).toMatch(/^bdr-rh-[a-z-]{1,20}-202612031800$/);
    expect(cacheRehearsalName('a-very-long-cache-name-of-forty-chars-x', NOW, policy.timezone).length).toBeLessThanOrEqual(40);
  });

  it.each([
    { name: 'no verified export', newest: null, missing: /no whole export of "app-redis" verified in ap-southeast-1/ },
    { name: 'a cluster-mode export', newest: { ...candidate('backup-dr-app-redis-20261203-0600', true, ['a-0001.rdb', 'a-0002.rdb']), takenAt: NOW }, missing: /2 node groups \(cluster mode\)/ },
  ])('$name: no seed plan, and the approver is told the run will stop there', ({ newest, missing }) => {
    const planned = planCache(policy, cache, 0, { newest, manifest: null, bucket: BUCKET }, run('failover'));
    expect(planned.plan).toBeUndefined();
    expect(planned.missing).toMatch(missing);
    expect(cacheSummary(planned, true)).toMatch(/^CANNOT be seeded: .*NoCacheRestorePoint/);
  });

  it('takes a cache recorded by the run resumed as done, with its group', () => {
    const newest = { ...candidate('backup-dr-app-redis-20261203-0600'), takenAt: NOW - 3_600_000 };
    const first = planCache(policy, cache, 0, { newest, manifest: null, bucket: BUCKET }, run('failover'));
    const records = new Map([['cache-app-redis', { step: 'cache-app-redis', doneAt: NOW, execution: 'x', result: { plan: first.plan, group: { host: 'h', port: 6379, availableAt: NOW } } }]]);
    const resumed = planCache(policy, cache, 0, { newest: null, manifest: null, bucket: BUCKET }, run('failover', records));
    expect(resumed).toMatchObject({ done: true, group: { host: 'h', port: 6379 }, plan: { groupId: 'app-redis-dr' }, rpoMs: 3_600_000 });
    expect(cacheSummary(resumed, true)).toBe('already seeded by this run into app-redis-dr');
  });

  it("takes the restore test's node type when failover.nodeType is absent", () => {
    const noType = teamPolicy((d) => delete d.resources.caches[0].failover.nodeType);
    const newest = { ...candidate('backup-dr-app-redis-20261203-0600'), takenAt: NOW - 3_600_000 };
    const planned = planCache(noType, failoverCaches(noType)[0]!, 0, { newest, manifest: null, bucket: BUCKET }, run('failover'));
    expect(planned.plan?.nodeType).toBe('cache.t4g.micro');
  });

  it('refuses a cache whose node type the policy names nowhere, naming the field', () => {
    const bare = teamPolicy((d) => {
      delete d.resources.caches[0].restoreTest;
      delete d.resources.caches[0].failover.nodeType;
    });
    expect(() => planCache(bare, failoverCaches(bare)[0]!, 0, { newest: null, manifest: null, bucket: BUCKET }, run('failover'))).toThrow(
      expect.objectContaining({ name: 'InvalidInput', message: expect.stringContaining('resources.caches[0].failover.nodeType') }),
    );
  });
});
