// CreateDBSnapshot, CopyDBSnapshot, DeleteDBSnapshot and DescribeDBSnapshots as RDS documents them:
// lifecycle, identifiers, cross-Region copy with KMS re-encryption, quotas, copy limit and pagination.

import type {
  CopyDBSnapshotCommandInput,
  CopyDBSnapshotResult,
  CreateDBSnapshotCommandInput,
  CreateDBSnapshotResult,
  DBSnapshot,
  DBSnapshotMessage,
  DeleteDBSnapshotCommandInput,
  DeleteDBSnapshotResult,
  DescribeDBSnapshotsCommandInput,
  Filter,
  Tag,
} from '@aws-sdk/client-rds';
import { failureMessage } from './data-plane.js';
import { instanceNotFound, invalidParameter, missingParameter, rdsError, snapshotNotFound } from './errors.js';
import {
  cloneTags,
  mergeTags,
  parseRdsArn,
  snapshotArn,
  snapshotOfInstance,
  snapshotStatus,
  validateTags,
  validIdentifier,
  type InstanceRecord,
  type SnapshotRecord,
} from './model.js';
import { pageSize, paginate, timeKey } from './pagination.js';
import type { RdsState } from './state.js';
import { snapshotView } from './views.js';

export const required = <T>(name: string, value: T | undefined | null): T => {
  if (value === undefined || value === null || value === '') throw missingParameter(name);
  return value;
};

export const alreadyExists = (id: string) =>
  rdsError('DBSnapshotAlreadyExistsFault', `Cannot create the snapshot because a snapshot with the identifier ${id} already exists.`);

const manualSnapshotCount = (state: RdsState, region: string) =>
  [...state.region(region).snapshots.values()].filter((s) => s.type === 'manual').length;

export const checkManualQuota = (state: RdsState, region: string) => {
  if (manualSnapshotCount(state, region) >= state.limits.manualSnapshotQuota) {
    throw rdsError('SnapshotQuotaExceededFault', `Cannot create more than ${state.limits.manualSnapshotQuota} manual snapshots`);
  }
};

/** A manual snapshot of `instance` taken now (CreateDBSnapshot, or DeleteDBInstance's final snapshot), stored. */
export const takeManualSnapshot = (state: RdsState, instance: InstanceRecord, id: string, requestedTags: readonly Tag[]): SnapshotRecord => {
  const now = state.now();
  const snapshot: SnapshotRecord = {
    ...snapshotOfInstance(instance, now, state.limits.snapshotMs),
    id,
    arn: snapshotArn(instance.region, state.account, id),
    type: 'manual',
    // CopyTagsToSnapshot copies the instance's tags only when the request names none.
    tags: requestedTags.length === 0 && instance.copyTagsToSnapshot ? mergeTags(instance.tags) : cloneTags(requestedTags),
  };
  state.region(instance.region).snapshots.set(id, snapshot);
  return snapshot;
};

/** Let the data plane copy the instance's data; the snapshot stays `creating` meanwhile, `failed` if it rejects. */
export const announceSnapshotCreated = async (state: RdsState, snapshot: SnapshotRecord): Promise<void> => {
  const plane = state.dataPlane;
  if (plane?.snapshotCreated === undefined) return;
  snapshot.pending = true;
  try {
    await plane.snapshotCreated({ region: snapshot.region, snapshotId: snapshot.id, instanceId: snapshot.instanceId });
    if (!state.explicit.snapshot) snapshot.normalReadyAt = snapshot.readyAt = state.now();
  } catch (error) {
    snapshot.failed = true;
    state.record({ region: snapshot.region, action: 'snapshot-failed', id: snapshot.id, arn: snapshot.arn, detail: `data plane: ${failureMessage(error)}` });
  } finally {
    snapshot.pending = false;
  }
};

export const createDBSnapshot = async (state: RdsState, region: string, input: CreateDBSnapshotCommandInput): Promise<CreateDBSnapshotResult> => {
  const id = validIdentifier('DBSnapshotIdentifier', required('DBSnapshotIdentifier', input.DBSnapshotIdentifier));
  const instanceId = required('DBInstanceIdentifier', input.DBInstanceIdentifier).toLowerCase();
  const regionState = state.region(region);
  const instance = regionState.instances.get(instanceId);
  if (!instance) throw instanceNotFound(instanceId);
  // Checked before the instance's state, so a retried request for a snapshot in progress (which keeps its
  // instance `backing-up`) hears "already exists" — the idempotent answer the design relies on.
  if (regionState.snapshots.has(id)) throw alreadyExists(id);
  const status = state.instanceStatus(instance);
  if (status !== 'available' && status !== 'storage-optimization') {
    throw rdsError(
      'InvalidDBInstanceStateFault',
      `Cannot create a snapshot because the database instance ${instance.id} is not currently in the available state.`,
    );
  }
  checkManualQuota(state, region);
  const tags = validateTags(input.Tags);
  const snapshot = takeManualSnapshot(state, instance, id, tags);
  state.record({ region, action: 'create', id, arn: snapshot.arn, detail: instance.arn });
  const view = snapshotView(snapshot, state.now());
  await announceSnapshotCreated(state, snapshot);
  return { DBSnapshot: view };
};

/** The source of a copy: an id in the destination Region, or an ARN (required across Regions). */
const findSource = (state: RdsState, region: string, given: string): SnapshotRecord => {
  const arn = parseRdsArn(given);
  const found = !arn ? state.findSnapshot(region, given) : arn.kind === 'snapshot' && arn.account === state.account ? state.findSnapshot(arn.region, arn.name) : undefined;
  if (!found) throw snapshotNotFound(given);
  return found;
};

const copiesInFlightInto = (state: RdsState, region: string, now: number) =>
  [...state.region(region).snapshots.values()].filter((s) => s.copy && snapshotStatus(s, now) === 'creating');

/** Called on the destination Region's client; the source Region comes from the source ARN (SDK v3 has no SourceRegion input). */
export const copyDBSnapshot = async (state: RdsState, region: string, input: CopyDBSnapshotCommandInput): Promise<CopyDBSnapshotResult> => {
  const sourceGiven = required('SourceDBSnapshotIdentifier', input.SourceDBSnapshotIdentifier);
  const id = validIdentifier('TargetDBSnapshotIdentifier', required('TargetDBSnapshotIdentifier', input.TargetDBSnapshotIdentifier));
  const source = findSource(state, region, sourceGiven);
  const regionState = state.region(region);
  if (regionState.snapshots.has(id)) throw alreadyExists(id);
  const now = state.now();
  if (snapshotStatus(source, now) !== 'available') {
    throw rdsError('InvalidDBSnapshotStateFault', `Snapshot ${source.id} is not in the available state (it is ${snapshotStatus(source, now)}).`);
  }
  const crossRegion = source.region !== region;
  if (crossRegion && source.kmsKeyArn !== null && !input.KmsKeyId) {
    throw invalidParameter('Must specify new KMS key for cross region encrypted snapshot copy.');
  }
  const kmsKeyArn = input.KmsKeyId ? state.kms.resolve(region, input.KmsKeyId) : source.kmsKeyArn;
  checkManualQuota(state, region);
  const inFlight = copiesInFlightInto(state, region, now);
  if (crossRegion && inFlight.filter((s) => s.copy?.crossRegion).length >= state.limits.maxCrossRegionCopiesInFlight) {
    throw rdsError('SnapshotQuotaExceededFault', `Cannot copy more than ${state.limits.maxCrossRegionCopiesInFlight} snapshots across regions`);
  }
  const explicitTags = validateTags(input.Tags);
  // Copies of one database queue behind each other; a cross-Region copy is incremental when an earlier
  // copy of the same database with the same key still exists in the destination.
  const sameDatabase = [...regionState.snapshots.values()].filter((s) => s.copy && s.dbiResourceId === source.dbiResourceId && !s.failed);
  const startedAt = Math.max(now, ...sameDatabase.filter((s) => snapshotStatus(s, now) === 'creating').map((s) => s.normalReadyAt));
  const incremental = crossRegion && sameDatabase.some((s) => s.copy?.crossRegion && s.kmsKeyArn === kmsKeyArn);
  const normalReadyAt = startedAt + (incremental ? state.limits.incrementalCopyMs : state.limits.copyMs);
  const copy: SnapshotRecord = {
    region,
    id,
    arn: snapshotArn(region, state.account, id),
    type: 'manual',
    instanceId: source.instanceId,
    dbiResourceId: source.dbiResourceId,
    instanceCreateTime: source.instanceCreateTime,
    engine: source.engine,
    engineVersion: source.engineVersion,
    allocatedStorage: source.allocatedStorage,
    kmsKeyArn,
    createdAt: now,
    originalCreateTime: source.originalCreateTime,
    startedAt,
    normalReadyAt,
    readyAt: Math.max(normalReadyAt, regionState.stuckCopiesUntil),
    failed: false,
    copy: { sourceArn: source.arn, sourceRegion: source.region, crossRegion, incremental },
    ...(source.instanceClass === undefined ? {} : { instanceClass: source.instanceClass }),
    ...(source.backupRetentionPeriod === undefined ? {} : { backupRetentionPeriod: source.backupRetentionPeriod }),
    ...(source.preferredBackupWindow === undefined ? {} : { preferredBackupWindow: source.preferredBackupWindow }),
    ...(source.dbName === undefined ? {} : { dbName: source.dbName }),
    tags: input.CopyTags ? mergeTags(source.tags, explicitTags) : explicitTags,
  };
  regionState.snapshots.set(id, copy);
  state.record({ region, action: 'copy', id, arn: copy.arn, detail: source.arn });
  const view = snapshotView(copy, now);
  await announceSnapshotCopied(state, copy, source);
  return { DBSnapshot: view };
};

/** Let the data plane copy the data; the copy stays `creating` meanwhile, and fails if the hook rejects. */
const announceSnapshotCopied = async (state: RdsState, copy: SnapshotRecord, source: SnapshotRecord): Promise<void> => {
  const plane = state.dataPlane;
  if (plane?.snapshotCopied === undefined) return;
  copy.pending = true;
  try {
    await plane.snapshotCopied({ fromRegion: source.region, sourceSnapshotId: source.id, region: copy.region, snapshotId: copy.id });
    if (!state.explicit.copy) {
      const done = state.now();
      copy.normalReadyAt = done;
      copy.readyAt = Math.max(done, state.region(copy.region).stuckCopiesUntil);
    }
  } catch (error) {
    if (!copy.failed) {
      copy.failed = true;
      state.record({ region: copy.region, action: 'copy-failed', id: copy.id, arn: copy.arn, detail: `data plane: ${failureMessage(error)}` });
    }
  } finally {
    copy.pending = false;
  }
};

export const deleteDBSnapshot = async (state: RdsState, region: string, input: DeleteDBSnapshotCommandInput): Promise<DeleteDBSnapshotResult> => {
  const given = required('DBSnapshotIdentifier', input.DBSnapshotIdentifier);
  const snapshot = state.findSnapshot(region, given);
  if (!snapshot) throw snapshotNotFound(given);
  if (snapshot.type === 'automated') throw rdsError('InvalidDBSnapshotStateFault', 'automated snapshots cannot be deleted.');
  const now = state.now();
  if (snapshotStatus(snapshot, now) === 'creating') {
    throw rdsError('InvalidDBSnapshotStateFault', `Cannot delete the snapshot ${snapshot.id} because it is not currently in the available state.`);
  }
  const regionState = state.region(region);
  regionState.snapshots.delete(snapshot.id);
  state.record({ region, action: 'delete', id: snapshot.id, arn: snapshot.arn });
  // "If you delete a source snapshot before the target snapshot becomes available, the snapshot copy might fail."
  for (const name of state.regionNames()) {
    for (const copy of state.region(name).snapshots.values()) {
      if (copy.copy?.sourceArn === snapshot.arn && snapshotStatus(copy, now) === 'creating') {
        copy.failed = true;
        state.record({ region: name, action: 'copy-failed', id: copy.id, arn: copy.arn, detail: `source ${snapshot.arn} deleted` });
      }
    }
  }
  const view: DBSnapshot = { ...snapshotView(snapshot, now), Status: 'deleted' };
  const plane = state.dataPlane;
  if (plane?.snapshotDeleted !== undefined) {
    try {
      await plane.snapshotDeleted({ region, snapshotId: snapshot.id });
    } catch (error) {
      state.record({ region, action: 'data-plane-error', id: snapshot.id, arn: snapshot.arn, detail: `snapshotDeleted: ${failureMessage(error)}` });
    }
  }
  return { DBSnapshot: view };
};

const FILTERS: Readonly<Record<string, (s: SnapshotRecord, value: string) => boolean>> = {
  'db-instance-id': (s, v) => s.instanceId === v.toLowerCase() || parseRdsArn(v)?.name === s.instanceId,
  'db-snapshot-id': (s, v) => s.id === v.toLowerCase(),
  'dbi-resource-id': (s, v) => s.dbiResourceId === v,
  'snapshot-type': (s, v) => s.type === v,
  engine: (s, v) => s.engine === v,
};

const matchesFilters = (snapshot: SnapshotRecord, filters: readonly Filter[]) =>
  filters.every((f) => {
    const test = FILTERS[f.Name ?? ''];
    if (!test) throw invalidParameter(`Unrecognized filter name: ${f.Name}`);
    return (f.Values ?? []).some((v) => test(snapshot, v));
  });

export const describeDBSnapshots = (state: RdsState, region: string, input: DescribeDBSnapshotsCommandInput): DBSnapshotMessage => {
  const size = pageSize(input.MaxRecords, state.limits.pageSize);
  const now = state.now();
  let list = state.snapshotsIn(region);
  const type = input.SnapshotType;
  if (type === 'manual' || type === 'automated') list = list.filter((s) => s.type === type);
  else if (type !== undefined) list = []; // shared, public, awsbackup: nothing of that kind is modelled
  if (input.DBInstanceIdentifier) {
    const instanceId = input.DBInstanceIdentifier.toLowerCase();
    list = list.filter((s) => s.instanceId === instanceId);
  }
  if (input.DBSnapshotIdentifier) {
    const arn = parseRdsArn(input.DBSnapshotIdentifier);
    const id = (arn && arn.region === region && arn.account === state.account ? arn.name : input.DBSnapshotIdentifier).toLowerCase();
    // "If this identifier is for an automated snapshot, the SnapshotType parameter must also be specified."
    list = list.filter((s) => s.id === id && (s.type === 'manual' || type === 'automated'));
    if (list.length === 0) throw snapshotNotFound(input.DBSnapshotIdentifier);
  }
  if (input.Filters?.length) list = list.filter((s) => matchesFilters(s, input.Filters ?? []));
  const page = paginate(list, (s) => timeKey(s.createdAt, s.id), size, input.Marker);
  return { DBSnapshots: page.items.map((s) => snapshotView(s, now)), ...(page.marker ? { Marker: page.marker } : {}) };
};
