// The pure core of redis-recovery's plan: the group's name, the choice of backup, production's shape.

import { describe, expect, it } from 'vitest';
import { chooseBackup, groupShape, recoveryGroupId, type ExportCandidate } from '../../../functions/redis/cache-recovery-plan/plan.js';
import { recoveryTeardownDecision } from '../../../functions/redis/cache-recovery-teardown/plan.js';
import { TAG } from '../../../shared/contracts.js';
import { cacheRecoveryWait } from '../../../shared/policy/resources.js';
import type { CacheRecoveryPlan } from '../../../shared/redis/recovery-run.js';
import { teamPolicy } from '../../helpers/runtime.js';

const policy = teamPolicy();
const cache = { ...policy.resources.caches[0]!, restoreTest: policy.resources.caches[0]!.restoreTest! };
const TZ = policy.timezone;
const exp = (name: string, whole = true, verified = true): ExportCandidate => ({ snapshotName: name, keys: [`${name}-0001.rdb`], whole, verified });
const facts = (exports: ExportCandidate[], available: string[] = []) => ({ exports, bucket: 'exports', snapshotAvailable: (n: string) => available.includes(n) });

describe('recoveryGroupId', () => {
  it('names the group bdr-rec-<cache>-<YYYYMMDDHHmm> in the policy zone, within ElastiCache\'s 40 characters', () => {
    expect(recoveryGroupId('app-redis', Date.parse('2026-12-03T09:08:00Z'), TZ)).toBe('bdr-rec-app-redis-202612031808');
    const long = recoveryGroupId('a-very-long-cache-name-for-sessions', Date.parse('2026-12-03T09:08:00Z'), TZ);
    expect(long.length).toBeLessThanOrEqual(40);
    expect(long).toMatch(/^bdr-rec-a-very-long-cac[a-z-]*[a-z]-202612031808$/);
  });
});

describe('chooseBackup', () => {
  const newest = 'backup-dr-app-redis-20261203-1200';
  const newer = 'backup-dr-app-redis-20261203-1800';
  it.each([
    { why: 'the newest verified, from its snapshot while available', input: {}, available: [newest], seed: { kind: 'snapshot', snapshotName: newest } },
    { why: 'the newest verified, from its export once the snapshot is gone', input: {}, available: [], seed: { kind: 'export', bucket: 'exports', keys: [`${newest}-0001.rdb`] } },
    { why: 'a named unverified snapshot', input: { snapshot: newer }, available: [newer], seed: { kind: 'snapshot', snapshotName: newer }, verified: false },
  ])('$why', ({ input, available, seed, verified }) => {
    const chosen = chooseBackup(cache, { cache: 'app-redis', ...input }, facts([exp(newest), exp(newer, true, false)], available), TZ);
    expect(chosen.seed).toEqual(seed);
    expect(chosen.verified).toBe(verified ?? true);
  });

  it('refuses an export that is not whole, and a cluster-mode export', () => {
    expect(() => chooseBackup(cache, { cache: 'app-redis', export: `${newest}-0001.rdb` }, facts([exp(newest, false)]), TZ)).toThrow(/export: the export .* is not whole/);
    const sharded = { ...exp(newest), keys: [`${newest}-0001.rdb`, `${newest}-0002.rdb`] };
    expect(() => chooseBackup(cache, { cache: 'app-redis' }, facts([sharded]), TZ)).toThrow(/cluster mode/);
  });
});

describe('groupShape', () => {
  it('takes production\'s nodes, failover and network; falls back to the restore test\'s network, one node, when production is gone', () => {
    const shape = groupShape(cache, {
      group: { ReplicationGroupId: 'app-redis-prod', ARN: 'arn:prod', CacheNodeType: 'cache.r7g.large', MemberClusters: ['a-001', 'a-002', 'a-003'], AutomaticFailover: 'enabled', MultiAZ: 'enabled', SnapshotRetentionLimit: 3 },
      node: { CacheSubnetGroupName: 'private', SecurityGroups: [{ SecurityGroupId: 'sg-1' }], CacheParameterGroup: { CacheParameterGroupName: 'pg' }, Engine: 'valkey', EngineVersion: '8.0.1' },
    }, null);
    expect(shape).toEqual({ shapedFrom: 'source', nodeType: 'cache.r7g.large', numCacheClusters: 3, automaticFailover: true, multiAz: true, snapshotRetentionLimit: 3, parameterGroup: 'pg', subnetGroup: 'private', securityGroups: ['sg-1'], engine: 'valkey', engineVersion: '8.0', sourceArn: 'arn:prod' });
    expect(groupShape(cache, { group: null, node: null }, null)).toEqual({ shapedFrom: 'restore-test', nodeType: 'cache.t4g.micro', numCacheClusters: 1, automaticFailover: false, multiAz: false, snapshotRetentionLimit: 0, subnetGroup: 'app-redis-restore-test', securityGroups: ['sg-0b2c3d4e5f6071829'] });
  });
});

describe('recoveryTeardownDecision', () => {
  const plan = { groupId: 'bdr-rec-app-redis-202612031808', runId: 'bdr-rec-app-redis-202612031808' } as CacheRecoveryPlan;
  const ours = [{ Key: TAG.owner, Value: 'backup-dr' }, { Key: TAG.policy, Value: policy.name }];
  it.each([
    { why: 'this recovery\'s group, available', status: 'available', tags: [...ours, { Key: TAG.recovery, Value: plan.runId }], action: 'delete' },
    { why: 'this recovery\'s group, still creating', status: 'creating', tags: [...ours, { Key: TAG.recovery, Value: plan.runId }], action: 'wait' },
    { why: 'another recovery\'s group', status: 'available', tags: [...ours, { Key: TAG.recovery, Value: 'bdr-rec-other' }], action: 'refuse' },
    { why: 'a restore test\'s group by that name', status: 'available', tags: [...ours, { Key: TAG.restoreTest, Value: plan.runId }], action: 'refuse' },
    { why: 'a group that is not ours', status: 'available', tags: [{ Key: TAG.recovery, Value: plan.runId }], action: 'refuse' },
  ])('$why: $action', ({ status, tags, action }) => {
    expect(recoveryTeardownDecision(policy, plan, { Status: status }, tags).action).toBe(action);
  });
});

describe('cacheRecoveryWait', () => {
  it('is restoreTest.timeout, or the cache\'s RTO (its own, else objectives.redis) where that is longer', () => {
    const wait = (change: (d: Record<string, any>) => void) => {
      const policy = teamPolicy(change);
      return cacheRecoveryWait(policy, policy.resources.caches[0]!);
    };
    expect(wait((d) => (d.objectives.redis.rto = '30min'))).toBe(3_600_000);
    expect(wait((d) => (d.objectives.redis.rto = '3h'))).toBe(3 * 3_600_000);
    expect(wait((d) => (d.resources.caches[0].objectives = { rpo: '6h', rto: '2h' }))).toBe(2 * 3_600_000);
    expect(wait((d) => ((d.resources.caches[0].restoreTest.timeout = '4h'), (d.objectives.redis.rto = '3h')))).toBe(4 * 3_600_000);
  });
});
