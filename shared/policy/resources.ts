// The per-resource views of a validated policy that the functions and the CLI work from: every
// protected resource in file order, one by name, and the retention policy of a resource in a region.

import { InvalidPolicy } from '../errors.js';
import type { ComplianceFloor } from '../retention/floor.js';
import type { RetentionPolicy } from '../retention/plan.js';
import type { CacheResource, Policy, ResourceRetention } from './schema.js';

export type ResourceKind = 'databases' | 'caches' | 'configuration' | 'buckets';
export type RegionRole = 'primary' | 'secondary';

export interface ResourceRef {
  readonly kind: ResourceKind;
  readonly name: string;
  readonly schedule?: string;
  readonly retention?: ResourceRetention;
}

/** Every protected resource, in file order. */
export function listResources(policy: Policy): ResourceRef[] {
  const { databases, caches, buckets, configuration } = policy.resources;
  return [
    ...databases.map((r) => ({ kind: 'databases' as const, name: r.name, schedule: r.schedule, retention: r.retention })),
    ...caches.map((r) => ({ kind: 'caches' as const, name: r.name, schedule: r.schedule, retention: r.retention })),
    ...configuration.map((r) => ({ kind: 'configuration' as const, name: r.name, schedule: r.schedule, retention: r.retention })),
    ...buckets.map((r) => ({ kind: 'buckets' as const, name: r.name })),
  ];
}

export function findResource(policy: Policy, name: string): ResourceRef | undefined {
  return listResources(policy).find((r) => r.name === name);
}

/** restoreTest.timeout's default (schema.ts). */
const DEFAULT_CACHE_WAIT_MS = 3_600_000;

/**
 * How long a cache recovery waits for its new group (ms): the restore test's timeout — sized for the test's
 * one-node group — or, where it is longer, the cache's recovery time objective (resources.caches[].objectives.rto,
 * else objectives.redis.rto): a production-shaped group with replicas takes longer to create.
 */
export function cacheRecoveryWait(policy: Policy, cache: CacheResource): number {
  return Math.max(cache.restoreTest?.timeout ?? DEFAULT_CACHE_WAIT_MS, (cache.objectives ?? policy.objectives.redis).rto);
}

/** The retention policy of a snapshot-based resource in a region (the secondary may differ). */
export function retentionPolicyFor(policy: Policy, resource: ResourceRef, role: RegionRole = 'primary'): RetentionPolicy {
  if (resource.retention === undefined || resource.kind === 'buckets') {
    throw new InvalidPolicy(`resource "${resource.name}" is an S3 bucket: its retention is an S3 lifecycle, not snapshots`);
  }
  const { secondary, complianceOverride, ...primary } = resource.retention;
  const floor: ComplianceFloor = policy.compliance[resource.kind] ?? {};
  return {
    timeZone: policy.timezone,
    keep: role === 'secondary' && secondary !== undefined ? secondary : primary,
    floor,
    ...(complianceOverride === undefined ? {} : { override: complianceOverride }),
  };
}
