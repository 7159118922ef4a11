// What the janitor's sweeps read of a region: every DB instance (with its tags), every replication group,
// and a group's tags (ElastiCache lists them apart) — every page, a group gone since the listing skipped.

import { DescribeReplicationGroupsCommand, ListTagsForResourceCommand, type ElastiCacheClient, type ReplicationGroup } from '@aws-sdk/client-elasticache';
import { DescribeDBInstancesCommand, type DBInstance, type RDSClient } from '@aws-sdk/client-rds';
import { allPages, markerOf } from '../../../shared/aws/pages.js';
import { errorName } from '../../../shared/errors.js';
import type { AwsTag } from '../../../shared/tags.js';

export async function listInstances(rds: RDSClient): Promise<DBInstance[]> {
  return allPages(async (marker) => {
    const page = await rds.send(new DescribeDBInstancesCommand({ MaxRecords: 100, ...markerOf(marker) }));
    return { items: page.DBInstances, marker: page.Marker };
  });
}

export async function listReplicationGroups(elasticache: ElastiCacheClient): Promise<ReplicationGroup[]> {
  return allPages(async (marker) => {
    const page = await elasticache.send(new DescribeReplicationGroupsCommand({ MaxRecords: 100, ...markerOf(marker) }));
    return { items: page.ReplicationGroups, marker: page.Marker };
  });
}

/** Each group with its tags, leaving out one gone since it was listed. */
export async function taggedGroups(elasticache: ElastiCacheClient, groups: readonly ReplicationGroup[]): Promise<{ group: ReplicationGroup; tags: AwsTag[] }[]> {
  const tagged: { group: ReplicationGroup; tags: AwsTag[] }[] = [];
  for (const group of groups) {
    try {
      tagged.push({ group, tags: (await elasticache.send(new ListTagsForResourceCommand({ ResourceName: group.ARN }))).TagList ?? [] });
    } catch (error) {
      if (errorName(error) === 'ReplicationGroupNotFoundFault') continue;
      throw error;
    }
  }
  return tagged;
}
