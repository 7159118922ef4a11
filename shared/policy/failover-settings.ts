// What region-failover uses in the secondary region for each resource, as the policy gives it (README,
// "Recovery runbooks"): a database's `failover` settings, else those of its restores there
// (restoreTest.secondary, the PITR test), else the primary's credentials secret name (a replicated secret
// keeps its name); a cache's `failover` network, else its restore test's there. Read by the readiness
// check and by its IAM at packaging, so both name the same subnet groups and secrets.

import type { CacheResource, DatabaseResource } from './schema.js';

/** The replica, network and credentials failover uses for a database in the secondary. */
export function databaseFailoverSettings(db: DatabaseResource): { readReplica?: string; subnetGroup?: string; securityGroups: readonly string[]; credentialsSecret?: string } {
  const f = db.failover;
  const secondary = db.restoreTest?.secondary;
  const subnetGroup = f?.subnetGroup ?? secondary?.subnetGroup ?? db.pitrTest?.subnetGroup;
  const securityGroups = f !== undefined && f.securityGroups.length > 0 ? f.securityGroups : secondary !== undefined && secondary.securityGroups.length > 0 ? secondary.securityGroups : (db.pitrTest?.securityGroups ?? []);
  const credentialsSecret = f?.credentialsSecret ?? secondary?.credentialsSecret ?? db.pitrTest?.credentialsSecret ?? db.restoreTest?.credentialsSecret;
  return {
    ...(f?.readReplica === undefined ? {} : { readReplica: f.readReplica }),
    ...(subnetGroup === undefined ? {} : { subnetGroup }),
    securityGroups,
    ...(credentialsSecret === undefined ? {} : { credentialsSecret }),
  };
}

/** The network failover seeds a cache into in the secondary: its `failover` settings, else its restore test's there. */
export function cacheFailoverSettings(cache: CacheResource): { subnetGroup?: string; securityGroups: readonly string[] } {
  const f = cache.failover;
  const secondary = cache.restoreTest?.secondary;
  const subnetGroup = f?.subnetGroup ?? secondary?.subnetGroup;
  const securityGroups = f !== undefined && f.securityGroups.length > 0 ? f.securityGroups : (secondary?.securityGroups ?? []);
  return { ...(subnetGroup === undefined ? {} : { subnetGroup }), securityGroups };
}

/** The resources the readiness check files its findings under besides the policy's: the backup key, the region as a whole. */
export const READINESS_RESOURCE = { key: 'backup-key', region: 'region-failover' } as const;
