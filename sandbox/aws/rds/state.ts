// What the RDS stand-in holds across calls: per-Region instances and snapshots, replicated backups, KMS
// keys, the audit history and the limits; automated snapshots are derived from the clock, never stored.

import type { Tag } from '@aws-sdk/client-rds';
import { DAY_MS, MINUTE_MS, type SandboxClock } from '../clock.js';
import type { RdsDataPlane } from './data-plane.js';
import { KmsDirectory } from './kms.js';
import { DEFAULT_ACCOUNT_ID, snapshotArn, snapshotOfInstance, snapshotStatus, type InstanceRecord, type ReplicationRecord, type SnapshotRecord } from './model.js';

export interface RdsStandInOptions {
  readonly clock: SandboxClock;
  readonly accountId?: string;
  /** Manual DB snapshots per Region (RDS default 100). */
  readonly manualSnapshotQuota?: number;
  /** Cross-Region copies in progress per destination Region (RDS: 20). */
  readonly maxCrossRegionCopiesInFlight?: number;
  /** Replicated automated backups per destination Region (RDS: 20). */
  readonly maxReplicatedBackupsPerRegion?: number;
  /** DB instances per Region (RDS default 40), reported by DescribeAccountAttributes. */
  readonly dbInstanceQuota?: number;
  /** Minutes from CreateDBSnapshot to available (default 20). */
  readonly snapshotMinutes?: number;
  /** Minutes a full copy takes (default 60). */
  readonly copyMinutes?: number;
  /** Minutes an incremental cross-Region copy takes (default 15). */
  readonly incrementalCopyMinutes?: number;
  /** Minutes a replicated backup stays `pending` before `replicating` (default 60). */
  readonly replicationStartMinutes?: number;
  /** How far a replicated backup's LatestTime trails the clock (default 10). */
  readonly replicationLagMinutes?: number;
  /** How far LatestRestorableTime trails the clock (default 5: logs ship every 5 minutes). */
  readonly restorableLagMinutes?: number;
  /** Page size when a Describe call gives no MaxRecords (RDS: 100). Smaller values force pagination in tests. */
  readonly pageSize?: number;
  /** Derive daily automated snapshots (`rds:<db>-<date>`) from each instance's retention (default true). */
  readonly automatedSnapshots?: boolean;
  /** Minutes from a Restore… call to `available` (default 15; with a data plane, see RdsDataPlane). */
  readonly restoreMinutes?: number;
  /** Minutes from DeleteDBInstance until the instance is gone (default 5; with a data plane, see RdsDataPlane). */
  readonly deleteMinutes?: number;
  /** Hooks that back snapshots and instances with real data (see RdsDataPlane); absent = control plane only. */
  readonly dataPlane?: RdsDataPlane;
}

export interface HistoryEntry {
  readonly at: number;
  readonly region: string;
  readonly action:
    | 'create'
    | 'copy'
    | 'delete'
    | 'tag'
    | 'untag'
    | 'copy-failed'
    | 'start-replication'
    | 'restore'
    | 'delete-instance'
    /** The data plane rejected a restore: the instance is `failed`. */
    | 'restore-failed'
    /** The data plane rejected a snapshot (CreateDBSnapshot or a final snapshot): it is `failed`. */
    | 'snapshot-failed'
    /** The data plane rejected a deletion hook; the deletion stood. */
    | 'data-plane-error';
  readonly id: string;
  readonly arn?: string;
  readonly detail?: string;
}

export interface ResolvedLimits {
  readonly manualSnapshotQuota: number;
  readonly maxCrossRegionCopiesInFlight: number;
  readonly maxReplicatedBackupsPerRegion: number;
  readonly dbInstanceQuota: number;
  readonly snapshotMs: number;
  readonly copyMs: number;
  readonly incrementalCopyMs: number;
  readonly replicationStartMs: number;
  readonly replicationLagMs: number;
  readonly restorableLagMs: number;
  readonly pageSize: number;
  readonly automatedSnapshots: boolean;
  readonly restoreMs: number;
  readonly deleteMs: number;
}

/** Which durations a test set explicitly: those stay in force even when a data-plane hook times the work. */
export interface ExplicitDurations {
  readonly snapshot: boolean;
  readonly copy: boolean;
  readonly restore: boolean;
  readonly delete: boolean;
}

export interface RegionState {
  readonly instances: Map<string, InstanceRecord>;
  readonly snapshots: Map<string, SnapshotRecord>;
  /** Tags on automated snapshots, which are derived rather than stored. */
  readonly automatedTags: Map<string, Tag[]>;
  /** Copies into this Region stay `creating` until then (a fault). */
  stuckCopiesUntil: number;
}

const minutes = (name: string, value: number | undefined, fallback: number): number => {
  const chosen = value ?? fallback;
  if (!Number.isFinite(chosen) || chosen < 0) throw new RangeError(`${name} must be a non-negative number, got ${chosen}`);
  return chosen * MINUTE_MS;
};

export class RdsState {
  readonly clock: SandboxClock;
  readonly account: string;
  readonly limits: ResolvedLimits;
  readonly kms: KmsDirectory;
  readonly dataPlane: RdsDataPlane | undefined;
  readonly explicit: ExplicitDurations;
  readonly replications: ReplicationRecord[] = [];
  /** Regions cut off (RdsFaults.isolateRegion), with their last replicated moment: their calls fail, their replication ends there. */
  readonly unreachable = new Map<string, number>();
  readonly history: HistoryEntry[] = [];
  readonly #regions = new Map<string, RegionState>();

  constructor(options: RdsStandInOptions) {
    this.clock = options.clock;
    this.account = options.accountId ?? DEFAULT_ACCOUNT_ID;
    if (!/^\d{12}$/.test(this.account)) throw new RangeError(`accountId must be 12 digits, got ${this.account}`);
    this.kms = new KmsDirectory(this.account);
    this.limits = {
      manualSnapshotQuota: options.manualSnapshotQuota ?? 100,
      maxCrossRegionCopiesInFlight: options.maxCrossRegionCopiesInFlight ?? 20,
      maxReplicatedBackupsPerRegion: options.maxReplicatedBackupsPerRegion ?? 20,
      dbInstanceQuota: options.dbInstanceQuota ?? 40,
      snapshotMs: (options.snapshotMinutes ?? 20) * MINUTE_MS,
      copyMs: (options.copyMinutes ?? 60) * MINUTE_MS,
      incrementalCopyMs: (options.incrementalCopyMinutes ?? 15) * MINUTE_MS,
      replicationStartMs: (options.replicationStartMinutes ?? 60) * MINUTE_MS,
      replicationLagMs: (options.replicationLagMinutes ?? 10) * MINUTE_MS,
      restorableLagMs: (options.restorableLagMinutes ?? 5) * MINUTE_MS,
      pageSize: options.pageSize ?? 100,
      automatedSnapshots: options.automatedSnapshots ?? true,
      restoreMs: minutes('restoreMinutes', options.restoreMinutes, 15),
      deleteMs: minutes('deleteMinutes', options.deleteMinutes, 5),
    };
    this.dataPlane = options.dataPlane;
    this.explicit = {
      snapshot: options.snapshotMinutes !== undefined,
      copy: options.copyMinutes !== undefined || options.incrementalCopyMinutes !== undefined,
      restore: options.restoreMinutes !== undefined,
      delete: options.deleteMinutes !== undefined,
    };
  }

  now(): number {
    return this.clock.now();
  }

  region(name: string): RegionState {
    let state = this.#regions.get(name);
    if (!state) {
      state = { instances: new Map(), snapshots: new Map(), automatedTags: new Map(), stuckCopiesUntil: 0 };
      this.#regions.set(name, state);
    }
    return state;
  }

  regionNames(): string[] {
    return [...this.#regions.keys()];
  }

  record(entry: Omit<HistoryEntry, 'at'>): void {
    this.history.push({ at: this.now(), ...entry });
  }

  /** Manual snapshots and the automated snapshots the instances' retention keeps right now, oldest first. */
  snapshotsIn(regionName: string): SnapshotRecord[] {
    const region = this.region(regionName);
    const all = [...region.snapshots.values()];
    if (this.limits.automatedSnapshots) for (const instance of region.instances.values()) all.push(...this.automatedSnapshotsOf(instance));
    return all.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  findSnapshot(regionName: string, id: string): SnapshotRecord | undefined {
    const lower = id.toLowerCase();
    const stored = this.region(regionName).snapshots.get(lower);
    if (stored) return stored;
    if (!lower.startsWith('rds:')) return undefined;
    return this.snapshotsIn(regionName).find((s) => s.type === 'automated' && s.id === lower);
  }

  /**
   * The instance's status as RDS shows it: a restore's `creating` turns `available` on time, and an
   * available instance is `backing-up` while a manual snapshot of it is being taken.
   */
  instanceStatus(instance: InstanceRecord): string {
    const now = this.now();
    const restored = instance.status === 'creating' && typeof instance.availableAt === 'number' && now >= instance.availableAt;
    if (instance.status !== 'available' && !restored) return instance.status;
    for (const snapshot of this.region(instance.region).snapshots.values()) {
      if (!snapshot.copy && snapshot.instanceId === instance.id && snapshotStatus(snapshot, now) === 'creating') return 'backing-up';
    }
    return 'available';
  }

  /**
   * Bring time-driven instance changes up to the clock: restores that finished become `available`,
   * deletions that finished remove the instance. Run before every call and every inspection.
   */
  settle(): void {
    const now = this.now();
    for (const region of this.#regions.values()) {
      for (const instance of [...region.instances.values()]) {
        if (instance.status === 'creating' && typeof instance.availableAt === 'number' && now >= instance.availableAt) instance.status = 'available';
        if (instance.status === 'deleting' && typeof instance.goneAt === 'number' && now >= instance.goneAt) this.forgetInstance(instance, instance.goneAt);
      }
    }
  }

  /** The instance disappears; its automated snapshots go with it, its replicated backups become `retained`. */
  forgetInstance(instance: InstanceRecord, at: number): void {
    const region = this.region(instance.region);
    if (region.instances.get(instance.id) === instance) region.instances.delete(instance.id);
    for (const replication of this.replications) {
      if (replication.sourceArn === instance.arn && replication.sourceGoneAt === null) replication.sourceGoneAt = at;
    }
  }

  /** Is `instance` still the record held under its id (not deleted and replaced meanwhile)? */
  holds(instance: InstanceRecord): boolean {
    return this.region(instance.region).instances.get(instance.id) === instance;
  }

  /**
   * RDS takes one automated snapshot a day at the start of the backup window and keeps it for the
   * retention period; the id is `rds:<db>-YYYY-MM-DD-HH-MM`.
   */
  automatedSnapshotsOf(instance: InstanceRecord): SnapshotRecord[] {
    if (instance.backupRetentionPeriod <= 0) return [];
    const now = this.now();
    const [hours, minutes] = instance.preferredBackupWindow.slice(0, 5).split(':').map(Number);
    const offset = ((hours ?? 0) * 60 + (minutes ?? 0)) * MINUTE_MS;
    const expired = now - instance.backupRetentionPeriod * DAY_MS;
    const region = this.region(instance.region);
    const out: SnapshotRecord[] = [];
    for (let at = Math.floor(Math.max(instance.createdAt, expired) / DAY_MS) * DAY_MS + offset; at <= now; at += DAY_MS) {
      if (at < instance.createdAt || at <= expired) continue;
      const id = `rds:${instance.id}-${new Date(at).toISOString().slice(0, 16).replace(/[T:]/g, '-')}`;
      const arn = snapshotArn(instance.region, this.account, id);
      out.push({
        ...snapshotOfInstance(instance, at, this.limits.snapshotMs),
        id,
        arn,
        type: 'automated',
        tags: region.automatedTags.get(arn) ?? [],
      });
    }
    return out;
  }
}
