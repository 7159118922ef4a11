// What the RDS stand-in holds across calls: per-Region instances and snapshots, replicated backups, KMS
// keys, the audit history and the limits; automated snapshots are derived from the clock, never stored.

import type { Tag } from '@aws-sdk/client-rds';
import { DAY_MS, MINUTE_MS, type SandboxClock } from '../clock.js';
import { KmsDirectory } from './kms.js';
import { DEFAULT_ACCOUNT_ID, snapshotArn, type InstanceRecord, type ReplicationRecord, type SnapshotRecord } from './model.js';

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
}

export interface HistoryEntry {
  readonly at: number;
  readonly region: string;
  readonly action: 'create' | 'copy' | 'delete' | 'tag' | 'untag' | 'copy-failed' | 'start-replication';
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
}

export interface RegionState {
  readonly instances: Map<string, InstanceRecord>;
  readonly snapshots: Map<string, SnapshotRecord>;
  /** Tags on automated snapshots, which are derived rather than stored. */
  readonly automatedTags: Map<string, Tag[]>;
  /** Copies into this Region stay `creating` until then (a fault). */
  stuckCopiesUntil: number;
}

export class RdsState {
  readonly clock: SandboxClock;
  readonly account: string;
  readonly limits: ResolvedLimits;
  readonly kms: KmsDirectory;
  readonly replications: ReplicationRecord[] = [];
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

  /** The instance's status as RDS shows it: `backing-up` while a manual snapshot of it is being taken. */
  instanceStatus(instance: InstanceRecord): string {
    if (instance.status !== 'available') return instance.status;
    const now = this.now();
    for (const snapshot of this.region(instance.region).snapshots.values()) {
      if (!snapshot.copy && snapshot.instanceId === instance.id && !snapshot.failed && now < snapshot.readyAt) return 'backing-up';
    }
    return 'available';
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
        region: instance.region,
        id,
        arn,
        type: 'automated',
        instanceId: instance.id,
        dbiResourceId: instance.dbiResourceId,
        instanceCreateTime: instance.createdAt,
        engine: instance.engine,
        engineVersion: instance.engineVersion,
        allocatedStorage: instance.allocatedStorage,
        kmsKeyArn: instance.kmsKeyArn,
        createdAt: at,
        originalCreateTime: at,
        startedAt: at,
        normalReadyAt: at + this.limits.snapshotMs,
        readyAt: at + this.limits.snapshotMs,
        failed: false,
        tags: region.automatedTags.get(arn) ?? [],
      });
    }
    return out;
  }
}
