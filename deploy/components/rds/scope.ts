// Packaging time only: what the RDS functions' IAM statements name — our snapshots and temporary
// instances by their prefixes (shared/contracts.ts), the ownership tag conditions, and which databases
// of the policy are restore-tested or PITR-tested.

import { OWNER_VALUE, PREFIX } from '../../../shared/contracts.js';
import type { DatabaseResource } from '../../../shared/policy/schema.js';
import { pitrRestoreSettings, snapshotRestoreSettings, type RestoreSettings } from '../../../shared/rds/restore-settings.js';
import { rdsArn, unique, type CfnValue, type Condition } from '../../core/cloudformation.js';
import { runningRole, type Context } from '../../core/contribution.js';

/** Our snapshots (primary ones and their copies share the id): the only ones we create, tag or delete. */
export const ourSnapshots = (region: string): CfnValue => rdsArn(region, `snapshot:${PREFIX.snapshot}-*`);
/** Every DB snapshot / DB instance of the account in one region (the Describe calls list them all). */
export const allSnapshots = (region: string): CfnValue => rdsArn(region, 'snapshot:*');
export const allInstances = (region: string): CfnValue => rdsArn(region, 'db:*');
/** The temporary instances of restore and PITR tests in one region: the only instances the service creates or deletes. */
export const restoreInstances = (region: string): CfnValue => rdsArn(region, `db:${PREFIX.restoreInstance}*`);
/** The replicated automated backups in one region. */
export const automatedBackups = (region: string): CfnValue => rdsArn(region, 'auto-backup:*');
/** A database of the policy, by its instance id. */
export const instanceArn = (region: string, db: DatabaseResource): CfnValue => rdsArn(region, `db:${db.instanceId}`);

/** Snapshots and instances of both regions (DescribeDBSnapshots authorizes on both). */
export const snapshotsOfBothRegions = (ctx: Context): CfnValue[] => [allSnapshots(ctx.primary), allInstances(ctx.primary), allSnapshots(ctx.secondary), allInstances(ctx.secondary)];

/** Only requests that tag what they create with our owner tag. */
export const ownerRequestTag = (ctx: Context): Condition => ({ StringEquals: { [`aws:RequestTag/${ctx.ownerTag}`]: OWNER_VALUE } });
/** Only resources that carry our owner tag. */
export const ownerResourceTag = (ctx: Context): Condition => ({ StringEquals: { [`aws:ResourceTag/${ctx.ownerTag}`]: OWNER_VALUE } });

export type RestoreTested = DatabaseResource & { restoreTest: NonNullable<DatabaseResource['restoreTest']> };
export type PitrTested = RestoreTested & { pitrTest: NonNullable<DatabaseResource['pitrTest']> };

/** Databases with a restore test (the ones the restore-test state machine and the manifests serve). */
export const restoreTested = (ctx: Context): RestoreTested[] => ctx.policy.resources.databases.filter((db): db is RestoreTested => db.restoreTest !== undefined);
/** Databases whose PITR test can run (restore-test-plan also needs their restoreTest settings). */
export const pitrTested = (ctx: Context): PitrTested[] => restoreTested(ctx).filter((db): db is PitrTested => db.pitrTest !== undefined);
/** This region runs PITR tests (the secondary, when a database has one). */
export const runsPitr = (ctx: Context): boolean => ctx.role === 'secondary' && pitrTested(ctx).length > 0;
/** Databases whose automated-backup replication the service starts (not only reports). */
export const replicationEnforced = (ctx: Context): DatabaseResource[] => ctx.policy.resources.databases.filter((db) => db.automatedBackups.enforce);

// A restore without DBSubnetGroupName goes to the "default" subnet group.
const DEFAULT_SUBNET_GROUP = 'default';

/**
 * The network and credentials of every restore this region may run (item 15: ids are per region), as
 * the steps themselves read them (shared/rds/restore-settings.ts): in the primary restoreTest's own; in
 * the secondary restoreTest.secondary (databases without it restore only in the primary) and pitrTest.
 */
function restoreSettings(ctx: Context): RestoreSettings[] {
  const snapshots = restoreTested(ctx).flatMap((db) => snapshotRestoreSettings(db, runningRole(ctx)) ?? []);
  const pitr = runsPitr(ctx) ? pitrTested(ctx).flatMap((db) => pitrRestoreSettings(db) ?? []) : [];
  return [...snapshots, ...pitr];
}

/** The subnet groups restores in this region use. */
export const restoreSubnetGroups = (ctx: Context): string[] => unique(restoreSettings(ctx).map((settings) => settings.subnetGroup ?? DEFAULT_SUBNET_GROUP));

/** The credentials secrets of the instances restored in this region (a replica secret keeps its name). */
export const restoreSecrets = (ctx: Context): string[] => unique(restoreSettings(ctx).map((settings) => settings.credentialsSecret));
