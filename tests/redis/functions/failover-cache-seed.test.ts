// failover-cache-seed: the exact CreateReplicationGroup of a failover (production's group: our tags and the
// run's recovery tag, daily backups, the secondary key when named) and of a rehearsal (a restore test's tags
// too, no backups); a group of this run already there is success, anyone else's refused; no verified
// export fails with NoCacheRestorePoint before anything is sent.
import { CreateReplicationGroupCommand, DescribeReplicationGroupsCommand, ElastiCacheClient, ListTagsForResourceCommand } from '@aws-sdk/client-elasticache';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { seedFailoverCache } from '../../../functions/redis/failover-cache-seed/failover-cache-seed.js';
import type { FailoverCache } from '../../../shared/platform/failover-run.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { RecordingLog, teamPolicy } from '../../helpers/runtime.js';

const NOW = Date.parse('2026-12-03T18:00:00+09:00');
const BUCKET = 'backup-dr-exports-test-123456789012-ap-southeast-1';
const SNAPSHOT = 'backup-dr-app-redis-20261203-1200';
const elasticacheMock = mockClient(ElastiCacheClient);

const cache = (groupId = 'app-redis-dr'): FailoverCache => ({
  resource: 'app-redis',
  step: 'cache-app-redis',
  done: false,
  hasEndpoint: true,
  endpointDone: false,
  rpoMs: 6 * 3_600_000,
  rpoTargetMs: 6 * 3_600_000,
  rtoTargetMs: 30 * 60_000,
  plan: {
    runId: 'fo-1',
    resource: 'app-redis',
    sourceGroupId: 'app-redis-prod',
    role: 'secondary',
    region: 'ap-southeast-1',
    snapshotName: SNAPSHOT,
    restorePoint: NOW - 6 * 3_600_000,
    seed: { kind: 'export', bucket: BUCKET, keys: [`${SNAPSHOT}-0001.rdb`] },
    groupId,
    nodeType: 'cache.r7g.large',
    subnetGroup: 'app-redis-dr',
    securityGroups: ['sg-0e1f2a3b4c5d6e7f8'],
    engine: 'redis',
    engineVersion: '7.1',
    manifestKey: `manifests/app-redis/${SNAPSHOT}.json`,
    newest: true,
    plannedAt: NOW,
    waitUntil: NOW + 4 * 3_600_000,
  },
});
const deps = (policy: Policy = teamPolicy()) => ({ policy, elasticache: new ElastiCacheClient({ region: 'ap-southeast-1' }), secrets: new SecretsManagerClient({ region: 'ap-southeast-1' }), log: new RecordingLog(), now: () => NOW });

describe('failover-cache-seed', () => {
  beforeEach(() => {
    elasticacheMock.reset();
    elasticacheMock.on(CreateReplicationGroupCommand).resolves({});
  });

  it('creates the failover group from the export by its S3 ARN, tagged as ours and this run\'s, with daily backups and the secondary key', async () => {
    const policy = teamPolicy((d) => (d.kms = { secondary: 'arn:aws:kms:ap-southeast-1:123456789012:key/secondary-key' }));
    await expect(seedFailoverCache(deps(policy), { cache: cache(), mode: 'failover' })).resolves.toEqual({ requestedAt: NOW, alreadyExisted: false });
    expect(elasticacheMock.commandCalls(CreateReplicationGroupCommand)[0]!.args[0].input).toEqual({
      ReplicationGroupId: 'app-redis-dr',
      ReplicationGroupDescription: `backup-dr region failover fo-1 of app-redis from ${SNAPSHOT}`,
      CacheNodeType: 'cache.r7g.large',
      NumCacheClusters: 1,
      AutomaticFailoverEnabled: false,
      MultiAZEnabled: false,
      SnapshotRetentionLimit: 1,
      AtRestEncryptionEnabled: true,
      KmsKeyId: 'arn:aws:kms:ap-southeast-1:123456789012:key/secondary-key',
      TransitEncryptionEnabled: true,
      SnapshotArns: [`arn:aws:s3:::${BUCKET}/${SNAPSHOT}-0001.rdb`],
      Engine: 'redis',
      EngineVersion: '7.1',
      CacheSubnetGroupName: 'app-redis-dr',
      SecurityGroupIds: ['sg-0e1f2a3b4c5d6e7f8'],
      Tags: [
        { Key: 'backup-dr:owner', Value: 'backup-dr' },
        { Key: 'backup-dr:policy', Value: 'production' },
        { Key: 'backup-dr:resource', Value: 'app-redis' },
        { Key: 'backup-dr:recovery', Value: 'fo-1' },
        { Key: 'backup-dr:created-at', Value: new Date(NOW).toISOString() },
      ],
    });
  });

  it('a rehearsal\'s group is a restore test\'s of the run too, without backups of its own', async () => {
    await seedFailoverCache(deps(), { cache: cache('bdr-rh-app-redis-202612031800'), mode: 'rehearsal' });
    const input = elasticacheMock.commandCalls(CreateReplicationGroupCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ ReplicationGroupId: 'bdr-rh-app-redis-202612031800', SnapshotRetentionLimit: 0 });
    expect(input).not.toHaveProperty('KmsKeyId');
    expect(input.Tags).toEqual(expect.arrayContaining([{ Key: 'backup-dr:restore-test', Value: 'fo-1' }, { Key: 'backup-dr:recovery', Value: 'fo-1' }]));
  });

  it.each([
    { name: 'this run\'s group already there is success', tags: [{ Key: 'backup-dr:owner', Value: 'backup-dr' }, { Key: 'backup-dr:policy', Value: 'production' }, { Key: 'backup-dr:recovery', Value: 'fo-1' }], ok: true },
    { name: 'another run\'s group is refused', tags: [{ Key: 'backup-dr:owner', Value: 'backup-dr' }, { Key: 'backup-dr:policy', Value: 'production' }, { Key: 'backup-dr:recovery', Value: 'fo-0' }], ok: false },
    { name: 'someone else\'s group is refused', tags: [{ Key: 'team', Value: 'payments' }], ok: false },
  ])('$name', async ({ tags, ok }) => {
    elasticacheMock.on(CreateReplicationGroupCommand).rejects(Object.assign(new Error('exists'), { name: 'ReplicationGroupAlreadyExistsFault' }));
    elasticacheMock.on(DescribeReplicationGroupsCommand, { ReplicationGroupId: 'app-redis-dr' }).resolves({ ReplicationGroups: [{ ReplicationGroupId: 'app-redis-dr', ARN: 'arn:aws:elasticache:ap-southeast-1:123456789012:replicationgroup:app-redis-dr' }] });
    elasticacheMock.on(ListTagsForResourceCommand, { ResourceName: 'arn:aws:elasticache:ap-southeast-1:123456789012:replicationgroup:app-redis-dr' }).resolves({ TagList: tags });
    const result = seedFailoverCache(deps(), { cache: cache(), mode: 'failover' });
    if (ok) await expect(result).resolves.toEqual({ requestedAt: NOW, alreadyExisted: true });
    else await expect(result).rejects.toMatchObject({ name: 'CacheRestoreFailed', message: expect.stringContaining('is not this run') });
  });

  it('fails with NoCacheRestorePoint, sending nothing, when the plan found no verified export', async () => {
    const { plan: _plan, ...rest } = cache();
    await expect(seedFailoverCache(deps(), { cache: { ...rest, missing: 'no whole export of "app-redis" verified in ap-southeast-1' }, mode: 'failover' })).rejects.toMatchObject({
      name: 'NoCacheRestorePoint',
      message: 'app-redis: no whole export of "app-redis" verified in ap-southeast-1',
    });
    expect(elasticacheMock.calls()).toHaveLength(0);
  });
});
