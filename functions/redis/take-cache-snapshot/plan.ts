// Where a cache's snapshot is taken from, decided from DescribeReplicationGroups alone. Cluster mode
// enabled: the group (ElastiCache snapshots every shard). Otherwise a replica when there is one — a
// snapshot forks the node it runs on, and a fork on a replica does not slow the primary's writes — the
// first replica by id, so a retried run asks the same node; else the group (its primary).

import type { ReplicationGroup } from '@aws-sdk/client-elasticache';

export type SnapshotSource =
  | { readonly kind: 'group'; readonly replicationGroupId: string; readonly reason: string }
  | { readonly kind: 'node'; readonly cacheClusterId: string; readonly reason: string }
  | { readonly kind: 'not-ready'; readonly reason: string };

export function snapshotSource(group: ReplicationGroup): SnapshotSource {
  const id = group.ReplicationGroupId ?? '(unnamed)';
  if (group.Status !== 'available') return { kind: 'not-ready', reason: `replication group ${id} is ${group.Status ?? 'in an unknown state'}, not available` };
  if (group.ClusterEnabled === true) return { kind: 'group', replicationGroupId: id, reason: 'cluster mode enabled: every shard, at the group level' };
  const members = group.NodeGroups?.[0]?.NodeGroupMembers ?? [];
  const replicas = members
    .filter((m) => m.CurrentRole === 'replica' && m.CacheClusterId !== undefined)
    .map((m) => m.CacheClusterId as string)
    .sort();
  const replica = replicas[0];
  if (replica !== undefined) return { kind: 'node', cacheClusterId: replica, reason: `from replica ${replica}, not the primary` };
  return { kind: 'group', replicationGroupId: id, reason: 'no replica: from the primary' };
}
