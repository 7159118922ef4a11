// The failover readiness verdict, pure (README, "Failover readiness and the primary-region watch"): from
// what the secondary region holds — the read replica or the replicated automated backups, verified
// snapshot copies, verified Redis exports, configuration bundles, subnet groups, the credentials secret,
// the backup key — whether region-failover could bring each resource up there now, and the RPO it would
// give (the data it would lose) against the objectives. Nothing here reads the primary region.

import type { DBInstance, DBInstanceAutomatedBackup } from '@aws-sdk/client-rds';
import type { CacheResource, DatabaseResource } from '../../../shared/policy/schema.js';
import { activeReplications } from '../../../shared/rds/automated-backups.js';
import { cacheFailoverSettings, databaseFailoverSettings, READINESS_RESOURCE } from '../../../shared/policy/failover-settings.js';

export interface Gap {
  readonly severity: 'critical' | 'warning';
  /** Stable per resource: the posture memory keys it (alert once per change). */
  readonly check: string;
  readonly summary: string;
  readonly action: string;
}

/** One thing failover needs, as found: present and fresh (`ok`), a gap, or not checked (and why). */
export interface ReadinessItem {
  readonly check: string;
  readonly status: 'ok' | 'gap' | 'unchecked';
  readonly summary: string;
}

/** How region-failover would bring a database up, in its order: the first that is usable. */
export type DatabasePath = 'read-replica' | 'automated-backups' | 'snapshot-copy';

export interface ResourceReadiness {
  readonly component: 'database' | 'cache' | 'configuration' | 'kms' | 'region';
  readonly resource: string;
  readonly items: readonly ReadinessItem[];
  readonly gaps: readonly Gap[];
  /** The data failover would lose now (ms): null when it could not bring the resource up at all, or not measured (configuration, key). */
  readonly rpo: number | null;
  /** The objective it is judged against (ms), null when none applies. */
  readonly rpoTarget: number | null;
  /** What failover would restore from (databases: the path; caches: the export's name; configuration: the bundle version). */
  readonly source?: string;
}

const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;
const hours = (ms: number) => `${(ms / 3_600_000).toFixed(1)} h`;
const spoken = (ms: number) => (ms < 2 * 3_600_000 ? minutes(ms) : hours(ms));

/** A subnet group as DescribeDB/CacheSubnetGroups answered: null when it does not exist. */
export interface SubnetGroupFound {
  readonly status: string | undefined;
  readonly vpcId: string | undefined;
}

/** A secret as DescribeSecret answered: null when it does not exist. */
export interface SecretFound {
  readonly deletedDate: number | undefined;
}

export interface DatabaseInput {
  readonly db: DatabaseResource;
  readonly secondary: string;
  readonly now: number;
  readonly rpoTarget: number;
  /** How old the newest verified copy may be (twice the snapshot interval, as check-db-posture judges). */
  readonly copyAgeLimit: number;
  /** Only when failover.readReplica is named: the instance in the secondary (null: not found). */
  readonly replica?: DBInstance | null;
  /** The replica's newest ReplicaLag datapoint (seconds, CloudWatch), null when none in the window. */
  readonly replicaLagSeconds?: number | null;
  /** The source's automated backups replicated into the secondary. */
  readonly replicated: readonly DBInstanceAutomatedBackup[];
  /** When the data of the newest verified copy in the secondary was taken (ms), null when none. */
  readonly newestVerifiedCopy: number | null;
  /** undefined: no subnet group named anywhere; null: named but not found. */
  readonly subnetGroup: SubnetGroupFound | null | undefined;
  /** undefined: no secret named; null: named but not found. */
  readonly secret: SecretFound | null | undefined;
  /** The named security groups that exist in the secondary. */
  readonly securityGroups: SecurityGroupsFound;
}

/** Security groups as DescribeSecurityGroups answered: id → its VPC (an id missing from the map does not exist). */
export type SecurityGroupsFound = ReadonlyMap<string, { readonly vpcId: string | undefined }>;

/**
 * Security groups: none named is a gap (the VPC's default group would be used); each named one must exist
 * in the secondary and sit in the VPC of the subnet group failover uses (RDS and ElastiCache refuse a
 * group of another VPC at restore time, the worst moment to learn it).
 */
function securityGroupItem(kind: string, ids: readonly string[], field: string, found: SecurityGroupsFound, subnetVpc: string | undefined, secondary: string): { item: ReadinessItem; gap?: Gap } {
  let gap: Gap | undefined;
  const missing = ids.filter((id) => !found.has(id));
  const elsewhere = subnetVpc === undefined ? [] : ids.filter((id) => found.has(id) && found.get(id)?.vpcId !== undefined && found.get(id)?.vpcId !== subnetVpc);
  if (ids.length === 0) {
    gap = { severity: 'warning', check: 'security-groups', summary: `no security groups named for the ${kind} in the secondary region: failover would use the VPC's default group`, action: `Name them in ${field} of backup-policy.yml.` };
  } else if (missing.length > 0) {
    gap = { severity: 'critical', check: 'security-groups', summary: `security group${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of the ${kind} do${missing.length > 1 ? '' : 'es'} not exist in ${secondary}`, action: `Create ${missing.length > 1 ? 'them' : 'it'} there (security group ids are per region) and fix ${field} of backup-policy.yml.` };
  } else if (elsewhere.length > 0) {
    gap = { severity: 'critical', check: 'security-groups', summary: `security group${elsewhere.length > 1 ? 's' : ''} ${elsewhere.join(', ')} of the ${kind} ${elsewhere.length > 1 ? 'are' : 'is'} not in the subnet group's VPC ${subnetVpc ?? ''} in ${secondary}: a restore there would be refused`, action: `Name groups of VPC ${subnetVpc ?? ''} in ${field} of backup-policy.yml.` };
  }
  if (gap !== undefined) return { item: { check: 'security-groups', status: 'gap', summary: gap.summary }, gap };
  return { item: { check: 'security-groups', status: 'ok', summary: `${ids.join(', ')} present${subnetVpc === undefined ? '' : ` in ${subnetVpc}`}` } };
}

function subnetGroupGap(kind: 'DB' | 'cache', name: string | undefined, found: SubnetGroupFound | null | undefined, field: string, secondary: string): { item: ReadinessItem; gap?: Gap } {
  const create = kind === 'DB' ? 'aws rds create-db-subnet-group' : 'aws elasticache create-cache-subnet-group';
  let gap: Gap | undefined;
  if (name === undefined || found === undefined) {
    gap = { severity: 'warning', check: 'subnet-group', summary: `no ${kind} subnet group named for failover in ${secondary}: the default VPC would be used`, action: `Name one in ${field} of backup-policy.yml (${create} --region ${secondary} …).` };
  } else if (found === null) {
    gap = { severity: 'critical', check: 'subnet-group', summary: `${kind} subnet group ${name} does not exist in ${secondary}`, action: `Create it (${create} --region ${secondary} …) or fix ${field} in backup-policy.yml.` };
  } else if (kind === 'DB' && found.status !== undefined && found.status !== 'Complete') {
    gap = { severity: 'warning', check: 'subnet-group', summary: `DB subnet group ${name} in ${secondary} is ${found.status}, not Complete`, action: `Check its subnets (aws rds describe-db-subnet-groups --region ${secondary} --db-subnet-group-name ${name}).` };
  }
  if (gap !== undefined) return { item: { check: 'subnet-group', status: 'gap', summary: gap.summary }, gap };
  return { item: { check: 'subnet-group', status: 'ok', summary: `${kind} subnet group ${name ?? ''} in ${found?.vpcId ?? 'its VPC'}` } };
}

/**
 * A database: every way failover could bring it up, the one it would take (replica, then automated
 * backups, then the newest verified copy — region-failover's order) and the RPO that gives, the subnet
 * group, the security groups and the credentials secret.
 */
export function judgeDatabase(input: DatabaseInput): ResourceReadiness {
  const { db, secondary, now, rpoTarget } = input;
  const settings = databaseFailoverSettings(db);
  const items: ReadinessItem[] = [];
  const gaps: Gap[] = [];
  const add = (item: ReadinessItem, gap?: Gap) => {
    items.push(item);
    if (gap !== undefined) gaps.push(gap);
  };
  const paths: { path: DatabasePath; rpo: number }[] = [];

  if (settings.readReplica !== undefined) {
    const id = settings.readReplica;
    const replica = input.replica ?? null;
    const replication = replica?.StatusInfos?.find((s) => s.StatusType === 'read replication');
    if (replica === null) {
      const gap: Gap = { severity: 'critical', check: 'read-replica', summary: `read replica ${id} does not exist in ${secondary}`, action: `Create the cross-region read replica (aws rds create-db-instance-read-replica --region ${secondary} …) or remove failover.readReplica of "${db.name}".` };
      add({ check: 'read-replica', status: 'gap', summary: gap.summary }, gap);
    } else if (replica.DBInstanceStatus !== 'available' || (replication !== undefined && (replication.Normal === false || replication.Status !== 'replicating'))) {
      const state = `${replica.DBInstanceStatus ?? 'unknown'}${replication === undefined ? '' : `, replication ${replication.Status ?? 'unknown'}${replication.Message ? `: ${replication.Message}` : ''}`}`;
      const gap: Gap = { severity: 'critical', check: 'read-replica', summary: `read replica ${id} in ${secondary} is not replicating (${state})`, action: `Check the replica's events (aws rds describe-events --region ${secondary} --source-identifier ${id}); recreate it if replication stopped.` };
      add({ check: 'read-replica', status: 'gap', summary: gap.summary }, gap);
    } else if (input.replicaLagSeconds === null || input.replicaLagSeconds === undefined) {
      const gap: Gap = { severity: 'warning', check: 'read-replica', summary: `read replica ${id} in ${secondary} reports no ReplicaLag in the last 15 minutes: its lag is unknown`, action: `Check the AWS/RDS ReplicaLag metric of ${id} in ${secondary}.` };
      add({ check: 'read-replica', status: 'gap', summary: gap.summary }, gap);
    } else {
      const lag = input.replicaLagSeconds * 1000;
      paths.push({ path: 'read-replica', rpo: lag });
      add({ check: 'read-replica', status: 'ok', summary: `read replica ${id} replicating, ${spoken(lag)} behind` });
    }
  }

  const active = activeReplications(input.replicated);
  const latest = active.map((b) => b.RestoreWindow?.LatestTime?.getTime() ?? 0).reduce((a, b) => Math.max(a, b), 0);
  if (active.length === 0 || latest === 0) {
    // With a replica to promote this is the fallback missing; without one, the way failover meets a 15-minute RPO.
    const gap: Gap = {
      severity: paths.length > 0 ? 'warning' : 'critical',
      check: 'automated-backups',
      summary: `no replicated automated backups of ${db.instanceId} are active in ${secondary}: no point-in-time restore there`,
      action: `Start replication (aws rds start-db-instance-automated-backups-replication --region ${secondary} --source-db-instance-arn …), or set automatedBackups.enforce: true for "${db.name}".`,
    };
    add({ check: 'automated-backups', status: 'gap', summary: gap.summary }, gap);
  } else {
    const lag = Math.max(0, now - latest);
    paths.push({ path: 'automated-backups', rpo: lag });
    add({ check: 'automated-backups', status: 'ok', summary: `replicated automated backups restorable to ${new Date(latest).toISOString()} (${spoken(lag)} ago)` });
  }

  if (input.newestVerifiedCopy === null) {
    const gap: Gap = { severity: paths.length > 0 ? 'warning' : 'critical', check: 'snapshot-copy', summary: `no verified snapshot copy of ${db.name} in ${secondary}`, action: 'Check copy-db-snapshots and verify-db-snapshots alerts and logs.' };
    add({ check: 'snapshot-copy', status: 'gap', summary: gap.summary }, gap);
  } else {
    const age = Math.max(0, now - input.newestVerifiedCopy);
    paths.push({ path: 'snapshot-copy', rpo: age });
    if (age > input.copyAgeLimit) {
      const gap: Gap = { severity: 'warning', check: 'snapshot-copy', summary: `the newest verified snapshot copy of ${db.name} in ${secondary} is ${hours(age)} old (limit ${hours(input.copyAgeLimit)})`, action: 'Backups or copies have stalled: check take-db-snapshot, copy-db-snapshots and verify-db-snapshots alerts and logs.' };
      add({ check: 'snapshot-copy', status: 'gap', summary: gap.summary }, gap);
    } else {
      add({ check: 'snapshot-copy', status: 'ok', summary: `newest verified snapshot copy taken ${hours(age)} ago` });
    }
  }

  const taken = paths[0];
  if (taken === undefined) {
    gaps.push({ severity: 'critical', check: 'rpo', summary: `region-failover could not bring ${db.name} up in ${secondary}: no replica, no replicated backups, no verified copy`, action: 'Fix the gaps above before a disaster needs them.' });
  } else if (taken.rpo > rpoTarget) {
    gaps.push({ severity: 'critical', check: 'rpo', summary: `failover of ${db.name} now would lose ${spoken(taken.rpo)} of data (via ${taken.path}; RPO target ${spoken(rpoTarget)})`, action: taken.path === 'snapshot-copy' ? 'Only a snapshot copy is usable: restore automated-backup replication (or a read replica) to meet the RPO.' : `Check why ${taken.path === 'read-replica' ? 'the replica lags' : 'the replicated backups lag'} (aws rds describe-events --region ${secondary}).` });
  }

  const subnet = subnetGroupGap('DB', settings.subnetGroup, input.subnetGroup, `failover.subnetGroup of "${db.name}"`, secondary);
  add(subnet.item, subnet.gap);
  const groups = securityGroupItem(`database ${db.name}`, settings.securityGroups, `failover.securityGroups of "${db.name}"`, input.securityGroups, input.subnetGroup?.vpcId, secondary);
  add(groups.item, groups.gap);

  if (settings.credentialsSecret === undefined || input.secret === undefined) {
    const gap: Gap = { severity: 'warning', check: 'credentials-secret', summary: `no credentials secret named for ${db.name} in ${secondary}: the recovered database cannot be validated`, action: `Name it in failover.credentialsSecret of "${db.name}" (replicate the secret to ${secondary}).` };
    add({ check: 'credentials-secret', status: 'gap', summary: gap.summary }, gap);
  } else if (input.secret === null || input.secret.deletedDate !== undefined) {
    const name = settings.credentialsSecret;
    const gap: Gap =
      input.secret === null
        ? { severity: 'critical', check: 'credentials-secret', summary: `credentials secret ${name} does not exist in ${secondary}`, action: `Replicate it there (aws secretsmanager replicate-secret-to-regions --secret-id ${name} --add-replica-regions Region=${secondary}) or fix failover.credentialsSecret of "${db.name}".` }
        : { severity: 'critical', check: 'credentials-secret', summary: `credentials secret ${name} in ${secondary} is scheduled for deletion`, action: `Cancel it: aws secretsmanager restore-secret --region ${secondary} --secret-id ${name}.` };
    add({ check: 'credentials-secret', status: 'gap', summary: gap.summary }, gap);
  } else {
    add({ check: 'credentials-secret', status: 'ok', summary: `credentials secret ${settings.credentialsSecret} present` });
  }

  return { component: 'database', resource: db.name, items, gaps, rpo: taken?.rpo ?? null, rpoTarget, ...(taken === undefined ? {} : { source: taken.path }) };
}

export interface CacheInput {
  readonly cache: CacheResource;
  readonly secondary: string;
  readonly now: number;
  readonly rpoTarget: number;
  /** Export, replication to the secondary and verification there take this long beyond the RPO (check-cache-posture's allowance). */
  readonly allowance: number;
  /** The newest export verified in the secondary: its snapshot name and when it was taken (ms); null when none. */
  readonly newestVerifiedExport: { readonly name: string; readonly takenAt: number } | null;
  readonly subnetGroup: SubnetGroupFound | null | undefined;
  /** The named security groups that exist in the secondary. */
  readonly securityGroups: SecurityGroupsFound;
}

/** A cache: the newest export verified in the secondary (what failover seeds from) and its age — the RPO — and its network. */
export function judgeCache(input: CacheInput): ResourceReadiness {
  const { cache, secondary, now, rpoTarget } = input;
  const settings = cacheFailoverSettings(cache);
  const items: ReadinessItem[] = [];
  const gaps: Gap[] = [];
  const add = (item: ReadinessItem, gap?: Gap) => {
    items.push(item);
    if (gap !== undefined) gaps.push(gap);
  };
  const newest = input.newestVerifiedExport;
  const rpo = newest === null ? null : Math.max(0, now - newest.takenAt);
  if (newest === null || rpo === null) {
    const gap: Gap = { severity: 'critical', check: 'export', summary: `no verified export of ${cache.name} in ${secondary}: failover could not seed it`, action: "Check export-cache-snapshots and verify-cache-exports alerts and logs, and the export bucket's replication." };
    add({ check: 'export', status: 'gap', summary: gap.summary }, gap);
  } else if (rpo > rpoTarget + input.allowance) {
    const gap: Gap = { severity: 'critical', check: 'export', summary: `failover of ${cache.name} now would lose ${hours(rpo)} of data: its newest verified export in ${secondary} is over the RPO of ${hours(rpoTarget)} (+ ${hours(input.allowance)} to export, replicate and verify)`, action: 'Check take-cache-snapshot, export-cache-snapshots and verify-cache-exports (logs, alerts, failure tags).' };
    add({ check: 'export', status: 'gap', summary: gap.summary }, gap);
  } else {
    add({ check: 'export', status: 'ok', summary: `newest verified export ${newest.name}, taken ${hours(rpo)} ago` });
  }
  const subnet = subnetGroupGap('cache', settings.subnetGroup, input.subnetGroup, `failover.subnetGroup of "${cache.name}"`, secondary);
  add(subnet.item, subnet.gap);
  const groups = securityGroupItem(`cache ${cache.name}`, settings.securityGroups, `failover.securityGroups of "${cache.name}"`, input.securityGroups, input.subnetGroup?.vpcId, secondary);
  add(groups.item, groups.gap);
  return { component: 'cache', resource: cache.name, items, gaps, rpo, rpoTarget, ...(newest === null ? {} : { source: newest.name }) };
}

/** The newest bundle of a configuration in the secondary's config bucket (HeadObject), null when there is none. */
export interface BundleFound {
  /** Its `captured-at` metadata (ms), null when absent or not a time. */
  readonly capturedAt: number | null;
  readonly hasChecksum: boolean;
  readonly versionId: string | undefined;
}

/**
 * A configuration: its bundle must be in the secondary (the replica) with the metadata a restore checks.
 * Its age is reported, not judged: a backup that finds the configuration unchanged writes no new version,
 * so an old bundle may be current (the primary's config-…-backup-age alarm watches the backups themselves).
 */
export function judgeConfiguration(name: string, secondary: string, now: number, bundle: BundleFound | null): ResourceReadiness {
  const items: ReadinessItem[] = [];
  const gaps: Gap[] = [];
  let gap: Gap | undefined;
  if (bundle === null) {
    gap = { severity: 'critical', check: 'bundle', summary: `no configuration bundle of ${name} in ${secondary}: failover could not restore the configuration`, action: "Check back-up-configuration's alerts and the config bucket's replication to the secondary region." };
  } else if (bundle.capturedAt === null || !bundle.hasChecksum) {
    gap = { severity: 'critical', check: 'bundle', summary: `the configuration bundle of ${name} in ${secondary} lacks its ${bundle.hasChecksum ? 'captured-at' : 'bundle-sha256'} metadata: a restore would refuse it`, action: 'Invoke back-up-configuration with {"resources": ["' + name + '"]} to write a complete bundle; check the replication.' };
  }
  if (gap !== undefined) {
    gaps.push(gap);
    items.push({ check: 'bundle', status: 'gap', summary: gap.summary });
  } else {
    items.push({ check: 'bundle', status: 'ok', summary: `bundle captured ${hours(Math.max(0, now - (bundle?.capturedAt ?? now)))} ago (version ${bundle?.versionId ?? 'unknown'})` });
  }
  return { component: 'configuration', resource: name, items, gaps, rpo: null, rpoTarget: null, ...(bundle?.versionId === undefined ? {} : { source: bundle.versionId }) };
}

/** The secondary's backup key as DescribeKey answered: its state, or why it could not be read. */
export type KeyFound = { readonly keyState: string | undefined } | { readonly error: string };

/** The key the copies, restores and secrets in the secondary are encrypted with must be enabled. */
export function judgeKey(keyName: string, secondary: string, found: KeyFound): ResourceReadiness {
  let gap: Gap | undefined;
  if ('error' in found) {
    gap =
      found.error === 'NotFoundException'
        ? { severity: 'critical', check: 'kms-key', summary: `backup key ${keyName} does not exist in ${secondary}: copies there cannot be restored`, action: `Fix kms.secondary in backup-policy.yml, or redeploy the secondary (it creates the service key).` }
        : { severity: 'warning', check: 'kms-key', summary: `backup key ${keyName} in ${secondary} cannot be read (${found.error})`, action: 'Check that check-failover-readiness may kms:DescribeKey on it (redeploy), and the key policy.' };
  } else if (found.keyState !== 'Enabled') {
    gap = { severity: 'critical', check: 'kms-key', summary: `backup key ${keyName} in ${secondary} is ${found.keyState ?? 'in an unknown state'}, not Enabled: nothing encrypted with it can be restored`, action: found.keyState === 'PendingDeletion' ? `Cancel the deletion now: aws kms cancel-key-deletion --region ${secondary} --key-id <key id>, then enable it.` : `Enable it: aws kms enable-key --region ${secondary} --key-id <key id>.` };
  }
  const items: ReadinessItem[] = [gap === undefined ? { check: 'kms-key', status: 'ok', summary: `backup key ${keyName} enabled` } : { check: 'kms-key', status: 'gap', summary: gap.summary }];
  return { component: 'kms', resource: READINESS_RESOURCE.key, items, gaps: gap === undefined ? [] : [gap], rpo: null, rpoTarget: null };
}

/**
 * The region as a whole against the regionFailover objective: a gap when failover could not bring a
 * database or cache up at all, or when the worst RPO of those the region's objective governs — the ones
 * whose own objective is not looser (a cache with a 6 h RPO is judged by its own) — is over it.
 */
export function judgeRegion(resources: readonly ResourceReadiness[], secondary: string, target: number): ResourceReadiness {
  const measured = resources.filter((r) => r.component === 'database' || r.component === 'cache');
  const impossible = measured.filter((r) => r.rpo === null).map((r) => r.resource);
  const governed = measured.filter((r) => r.rpo !== null && r.rpoTarget !== null && r.rpoTarget <= target);
  const worst = governed.reduce<ResourceReadiness | null>((a, b) => (a === null || (b.rpo ?? 0) > (a.rpo ?? 0) ? b : a), null);
  const gaps: Gap[] = [];
  if (impossible.length > 0) {
    gaps.push({ severity: 'critical', check: 'region-rpo', summary: `region-failover to ${secondary} could not bring up ${impossible.join(', ')}`, action: "Read each resource's gaps in the readiness report (readiness/latest.json) and fix them." });
  } else if (worst !== null && (worst.rpo ?? 0) > target) {
    gaps.push({ severity: 'critical', check: 'region-rpo', summary: `region-failover to ${secondary} now would lose up to ${spoken(worst.rpo ?? 0)} of data (${worst.resource}; regionFailover RPO ${spoken(target)})`, action: `Fix the freshness of ${worst.resource} (its own gaps say how).` });
  }
  const rpo = impossible.length > 0 ? null : (worst?.rpo ?? null);
  const summary = gaps[0]?.summary ?? (worst === null ? 'no database or cache under the regionFailover objective' : `worst RPO ${spoken(worst.rpo ?? 0)} (${worst.resource}), target ${spoken(target)}`);
  return { component: 'region', resource: READINESS_RESOURCE.region, items: [{ check: 'region-rpo', status: gaps.length > 0 ? 'gap' : 'ok', summary }], gaps, rpo, rpoTarget: target };
}
