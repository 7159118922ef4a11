// RestoreDBInstanceFromDBSnapshot, RestoreDBInstanceToPointInTime and DeleteDBInstance: the temporary
// instances of a restore test, from `creating` to `available` (or `failed`) and from `deleting` to gone,
// with the data plane (if any) doing the real work inside the call.

import type {
  DBInstance,
  DeleteDBInstanceCommandInput,
  DeleteDBInstanceResult,
  RestoreDBInstanceFromDBSnapshotCommandInput,
  RestoreDBInstanceFromDBSnapshotResult,
  RestoreDBInstanceToPointInTimeCommandInput,
  RestoreDBInstanceToPointInTimeResult,
} from '@aws-sdk/client-rds';
import { checkedEndpoint, failureMessage, restoreSource } from './data-plane.js';
import { instanceNotFound, invalidParameter, missingParameter, rdsError, snapshotNotFound } from './errors.js';
import {
  autoBackupArn,
  dbiResourceIdFor,
  defaultEndpoint,
  instanceArn,
  instanceIdentifier,
  parseRdsArn,
  snapshotStatus,
  validateTags,
  validIdentifier,
  type InstanceRecord,
  type RestoreOrigin,
  type SnapshotRecord,
} from './model.js';
import { alreadyExists, announceSnapshotCreated, checkManualQuota, required, takeManualSnapshot } from './snapshot-commands.js';
import type { RdsState } from './state.js';
import { instanceRestoreWindow, instanceView, replicationRestoreWindow, type RestoreWindowMs } from './views.js';

const DEFAULT_INSTANCE_CLASS = 'db.t4g.medium';
const DEFAULT_BACKUP_WINDOW = '17:00-17:30';

const invalidCombination = (message: string) => rdsError('InvalidParameterCombination', message);

/** The request settings both restore calls share (the restore code passes the same `common` block to both). */
type RestoreRequest = Pick<
  RestoreDBInstanceFromDBSnapshotCommandInput,
  | 'DBInstanceClass'
  | 'Port'
  | 'DBSubnetGroupName'
  | 'VpcSecurityGroupIds'
  | 'PubliclyAccessible'
  | 'MultiAZ'
  | 'DeletionProtection'
  | 'AutoMinorVersionUpgrade'
  | 'CopyTagsToSnapshot'
  | 'Tags'
  | 'AllocatedStorage'
  | 'BackupRetentionPeriod'
  | 'PreferredBackupWindow'
>;

/** What the new instance inherits from its source (snapshot or automated backups). */
interface Inherited {
  readonly origin: RestoreOrigin;
  readonly engine: string;
  readonly engineVersion: string;
  readonly allocatedStorage: number;
  readonly kmsKeyArn: string | null;
  readonly instanceClass: string | undefined;
  readonly backupRetentionPeriod: number | undefined;
  readonly preferredBackupWindow: string | undefined;
  readonly dbName: string | undefined;
}

/** Checks every restore makes once its source is known: the source's KMS key usable here, the instance quota not reached. */
const checkRestorable = (state: RdsState, region: string, kmsKeyArn: string | null): void => {
  // The key must still be usable here (a denied key: KMSKeyNotAccessibleFault).
  if (kmsKeyArn !== null) state.kms.resolve(region, kmsKeyArn);
  if (state.region(region).instances.size >= state.limits.dbInstanceQuota) {
    throw rdsError('InstanceQuotaExceededFault', `The request would result in exceeding the allowed number of DB instances (${state.limits.dbInstanceQuota}).`);
  }
};

const checkNameFree = (state: RdsState, region: string, id: string): void => {
  if (state.region(region).instances.has(id)) throw rdsError('DBInstanceAlreadyExistsFault', 'DB Instance already exists');
};

/** Stores the new instance, `creating`, and records the restore. */
const createRestoredInstance = (state: RdsState, region: string, id: string, request: RestoreRequest, from: Inherited): InstanceRecord => {
  const retention = request.BackupRetentionPeriod ?? from.backupRetentionPeriod ?? 7;
  if (!Number.isInteger(retention) || retention < 0 || retention > 35) throw invalidParameter(`Invalid BackupRetentionPeriod ${retention}: must be between 0 and 35`);
  const port = request.Port ?? 5432;
  if (!Number.isInteger(port) || port < 1150 || port > 65_535) throw invalidParameter(`Invalid port ${port}: must be between 1150 and 65535`);
  const allocatedStorage = request.AllocatedStorage ?? from.allocatedStorage;
  if (allocatedStorage < from.allocatedStorage) {
    throw invalidParameter(`AllocatedStorage ${allocatedStorage} is smaller than the source's ${from.allocatedStorage} GiB`);
  }
  const tags = validateTags(request.Tags);
  const now = state.now();
  const timedByDataPlane = state.dataPlane?.instanceRestored !== undefined;
  const instance: InstanceRecord = {
    region,
    id,
    arn: instanceArn(region, state.account, id),
    dbiResourceId: dbiResourceIdFor(region, `${id}@${now}`),
    status: 'creating',
    availableAt: timedByDataPlane ? null : now + state.limits.restoreMs,
    engine: from.engine,
    engineVersion: from.engineVersion,
    allocatedStorage,
    instanceClass: request.DBInstanceClass ?? from.instanceClass ?? DEFAULT_INSTANCE_CLASS,
    kmsKeyArn: from.kmsKeyArn,
    backupRetentionPeriod: retention,
    preferredBackupWindow: request.PreferredBackupWindow ?? from.preferredBackupWindow ?? DEFAULT_BACKUP_WINDOW,
    copyTagsToSnapshot: request.CopyTagsToSnapshot ?? false,
    createdAt: now,
    endpoint: timedByDataPlane ? null : defaultEndpoint(region, id, port),
    masterUsername: 'postgres',
    ...(from.dbName === undefined ? {} : { dbName: from.dbName }),
    deletionProtection: request.DeletionProtection ?? false,
    multiAZ: request.MultiAZ ?? false,
    publiclyAccessible: request.PubliclyAccessible ?? false,
    autoMinorVersionUpgrade: request.AutoMinorVersionUpgrade ?? true,
    ...(request.DBSubnetGroupName === undefined ? {} : { subnetGroup: request.DBSubnetGroupName }),
    securityGroups: [...(request.VpcSecurityGroupIds ?? [])],
    restoredFrom: from.origin,
    tags,
  };
  state.region(region).instances.set(id, instance);
  const detail = from.origin.kind === 'snapshot' ? from.origin.snapshotArn : `${from.origin.automatedBackupsArn}@${new Date(from.origin.restoreTime).toISOString()}`;
  state.record({ region, action: 'restore', id, arn: instance.arn, detail });
  return instance;
};

/**
 * With a data plane: wait for it to build the instance's data. Resolved → `available` now (or at the
 * explicit `restoreMinutes`, whichever is later) at the endpoint it names; rejected → `failed`. An instance
 * deleted meanwhile is left alone.
 */
const awaitDataPlane = async (state: RdsState, instance: InstanceRecord, requestedAt: number): Promise<void> => {
  const plane = state.dataPlane;
  if (plane?.instanceRestored === undefined || instance.restoredFrom === undefined) return;
  const event = { region: instance.region, instanceId: instance.id, from: restoreSource(instance.restoredFrom) };
  try {
    const endpoint = checkedEndpoint(await plane.instanceRestored(event));
    if (!state.holds(instance) || instance.status !== 'creating') return;
    instance.endpoint = { address: endpoint.address, port: endpoint.port };
    if (endpoint.dbName !== undefined) instance.dbName = endpoint.dbName;
    const done = state.now();
    instance.availableAt = state.explicit.restore ? Math.max(done, requestedAt + state.limits.restoreMs) : done;
  } catch (error) {
    state.record({ region: instance.region, action: 'restore-failed', id: instance.id, arn: instance.arn, detail: `data plane: ${failureMessage(error)}` });
    if (!state.holds(instance) || instance.status !== 'creating') return;
    instance.status = 'failed';
    instance.availableAt = undefined;
  }
};

const restoreInto = async (state: RdsState, region: string, id: string, request: RestoreRequest, from: Inherited): Promise<DBInstance> => {
  const requestedAt = state.now();
  const instance = createRestoredInstance(state, region, id, request, from);
  // RDS answers at once with the instance `creating`; the data plane then does the work inside the call.
  const view = instanceView(state, instance);
  await awaitDataPlane(state, instance, requestedAt);
  return view;
};

/** A snapshot to restore from: an id or ARN in the caller's Region (manual, or automated `rds:…`). */
const findSnapshotHere = (state: RdsState, region: string, given: string): SnapshotRecord => {
  const arn = parseRdsArn(given);
  const found = !arn
    ? state.findSnapshot(region, given)
    : arn.kind === 'snapshot' && arn.account === state.account && arn.region === region
      ? state.findSnapshot(region, arn.name)
      : undefined;
  if (!found) throw snapshotNotFound(given);
  return found;
};

export const restoreDBInstanceFromDBSnapshot = async (
  state: RdsState,
  region: string,
  input: RestoreDBInstanceFromDBSnapshotCommandInput,
): Promise<RestoreDBInstanceFromDBSnapshotResult> => {
  const id = instanceIdentifier('DBInstanceIdentifier', required('DBInstanceIdentifier', input.DBInstanceIdentifier));
  const given = required('DBSnapshotIdentifier', input.DBSnapshotIdentifier);
  // Checked first, so a retried restore hears "already exists" whatever became of the snapshot since.
  checkNameFree(state, region, id);
  const snapshot = findSnapshotHere(state, region, given);
  const status = snapshotStatus(snapshot, state.now());
  if (status !== 'available') {
    throw rdsError('InvalidDBSnapshotStateFault', `Snapshot ${snapshot.id} is not in the available state (it is ${status}); only available snapshots can be restored.`);
  }
  checkRestorable(state, region, snapshot.kmsKeyArn);
  const from: Inherited = {
    origin: { kind: 'snapshot', snapshotId: snapshot.id, snapshotArn: snapshot.arn },
    engine: snapshot.engine,
    engineVersion: snapshot.engineVersion,
    allocatedStorage: snapshot.allocatedStorage,
    kmsKeyArn: snapshot.kmsKeyArn,
    instanceClass: snapshot.instanceClass,
    backupRetentionPeriod: snapshot.backupRetentionPeriod,
    preferredBackupWindow: snapshot.preferredBackupWindow,
    dbName: snapshot.dbName,
  };
  return { DBInstance: await restoreInto(state, region, id, input, from) };
};

interface PitrSource {
  readonly backupsArn: string;
  readonly window: RestoreWindowMs | undefined;
  readonly inherited: Omit<Inherited, 'origin'>;
  readonly sourceInstanceId: string;
  readonly sourceRegion: string;
}

const ofInstance = (state: RdsState, instance: InstanceRecord): PitrSource => {
  if (instance.backupRetentionPeriod <= 0) {
    throw rdsError('PointInTimeRestoreNotEnabledFault', `SourceDBInstanceIdentifier ${instance.id} refers to a DB instance with BackupRetentionPeriod equal to 0.`);
  }
  return {
    backupsArn: autoBackupArn(instance.region, state.account, instance.dbiResourceId),
    window: instanceRestoreWindow(state, instance),
    sourceInstanceId: instance.id,
    sourceRegion: instance.region,
    inherited: {
      engine: instance.engine,
      engineVersion: instance.engineVersion,
      allocatedStorage: instance.allocatedStorage,
      kmsKeyArn: instance.kmsKeyArn,
      instanceClass: instance.instanceClass,
      backupRetentionPeriod: instance.backupRetentionPeriod,
      preferredBackupWindow: instance.preferredBackupWindow,
      dbName: instance.dbName,
    },
  };
};

/**
 * The automated backups to restore from, in the caller's Region: a replicated backup (by its ARN or the
 * source's DbiResourceId), or a local instance's own (by identifier, DbiResourceId or backups ARN).
 */
const findPitrSource = (state: RdsState, region: string, input: RestoreDBInstanceToPointInTimeCommandInput): PitrSource => {
  const byArn = input.SourceDBInstanceAutomatedBackupsArn;
  const byResource = input.SourceDbiResourceId;
  const byId = input.SourceDBInstanceIdentifier;
  const named = [byArn, byResource, byId].filter((v) => v !== undefined && v !== '').length;
  if (named === 0) throw missingParameter('SourceDBInstanceIdentifier');
  if (named > 1) {
    throw invalidCombination('Specify only one of SourceDBInstanceIdentifier, SourceDbiResourceId and SourceDBInstanceAutomatedBackupsArn.');
  }
  const local = [...state.region(region).instances.values()];
  if (byId) {
    const arn = parseRdsArn(byId);
    const id = (arn && arn.kind === 'db' && arn.region === region ? arn.name : byId).toLowerCase();
    const instance = local.find((i) => i.id === id);
    if (!instance) throw instanceNotFound(byId);
    return ofInstance(state, instance);
  }
  const replication = state.replications.find((r) => r.region === region && (r.arn === byArn || r.dbiResourceId === byResource));
  if (replication) {
    const sourceInstance = state.region(replication.sourceRegion).instances.get(replication.sourceId);
    return {
      backupsArn: replication.arn,
      window: replicationRestoreWindow(state, replication),
      sourceInstanceId: replication.sourceId,
      sourceRegion: replication.sourceRegion,
      inherited: {
        engine: replication.engine,
        engineVersion: replication.engineVersion,
        allocatedStorage: replication.allocatedStorage,
        kmsKeyArn: replication.kmsKeyArn,
        instanceClass: sourceInstance?.instanceClass,
        backupRetentionPeriod: replication.retentionPeriod,
        preferredBackupWindow: sourceInstance?.preferredBackupWindow,
        dbName: sourceInstance?.dbName,
      },
    };
  }
  const instance = local.find(
    (i) => i.backupRetentionPeriod > 0 && (i.dbiResourceId === byResource || autoBackupArn(region, state.account, i.dbiResourceId) === byArn),
  );
  if (instance) return ofInstance(state, instance);
  throw rdsError('DBInstanceAutomatedBackupNotFoundFault', `No automated backup found for ${byArn ?? byResource} in ${region}.`);
};

const iso = (ms: number) => new Date(ms).toISOString();

/** The point to restore to: RestoreTime (inside the window) or the window's latest time. */
const restorePoint = (input: RestoreDBInstanceToPointInTimeCommandInput, source: PitrSource): number => {
  const latest = input.UseLatestRestorableTime === true;
  if (latest && input.RestoreTime !== undefined) throw invalidCombination('Cannot specify both RestoreTime and UseLatestRestorableTime.');
  if (!latest && input.RestoreTime === undefined) throw invalidCombination('Either RestoreTime or UseLatestRestorableTime must be specified.');
  const window = source.window;
  if (window === undefined) {
    throw rdsError('InvalidRestoreFault', `The automated backups ${source.backupsArn} have no restorable time yet.`);
  }
  if (latest) return window.latest;
  const at = new Date(input.RestoreTime ?? Number.NaN).getTime();
  if (Number.isNaN(at)) throw invalidParameter(`Invalid RestoreTime: ${String(input.RestoreTime)}`);
  if (at < window.earliest || at > window.latest) {
    throw rdsError(
      'InvalidRestoreFault',
      `The restore time ${iso(at)} is outside the restorable window ${iso(window.earliest)} – ${iso(window.latest)} of ${source.backupsArn}.`,
    );
  }
  return at;
};

export const restoreDBInstanceToPointInTime = async (
  state: RdsState,
  region: string,
  input: RestoreDBInstanceToPointInTimeCommandInput,
): Promise<RestoreDBInstanceToPointInTimeResult> => {
  const id = instanceIdentifier('TargetDBInstanceIdentifier', required('TargetDBInstanceIdentifier', input.TargetDBInstanceIdentifier));
  checkNameFree(state, region, id);
  const source = findPitrSource(state, region, input);
  const restoreTime = restorePoint(input, source);
  checkRestorable(state, region, source.inherited.kmsKeyArn);
  const from: Inherited = {
    ...source.inherited,
    origin: { kind: 'pitr', sourceInstanceId: source.sourceInstanceId, sourceRegion: source.sourceRegion, restoreTime, automatedBackupsArn: source.backupsArn },
  };
  return { DBInstance: await restoreInto(state, region, id, input, from) };
};

/** States from which RDS deletes an instance only without a final snapshot. */
const NO_FINAL_SNAPSHOT_STATES = new Set(['failed', 'incompatible-restore', 'incompatible-network']);

export const deleteDBInstance = async (state: RdsState, region: string, input: DeleteDBInstanceCommandInput): Promise<DeleteDBInstanceResult> => {
  const given = required('DBInstanceIdentifier', input.DBInstanceIdentifier);
  const instance = state.region(region).instances.get(given.toLowerCase());
  if (!instance) throw instanceNotFound(given);
  if (instance.status === 'deleting') throw rdsError('InvalidDBInstanceStateFault', `Instance ${instance.id} is already being deleted.`);
  if (instance.deletionProtection) {
    throw invalidCombination('Cannot delete protected DB Instance, please disable deletion protection and try again.');
  }
  const skip = input.SkipFinalSnapshot === true;
  const finalId = input.FinalDBSnapshotIdentifier;
  if (skip && finalId !== undefined) throw invalidCombination('FinalDBSnapshotIdentifier cannot be specified when SkipFinalSnapshot is enabled.');
  if (!skip && (finalId === undefined || finalId === '')) throw invalidCombination('FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.');
  const status = state.instanceStatus(instance);
  let finalSnapshot: SnapshotRecord | undefined;
  if (!skip && finalId !== undefined) {
    if (NO_FINAL_SNAPSHOT_STATES.has(status)) {
      throw rdsError('InvalidDBInstanceStateFault', `Instance ${instance.id} is ${status}: it can only be deleted with SkipFinalSnapshot.`);
    }
    const snapshotId = validIdentifier('FinalDBSnapshotIdentifier', finalId);
    if (state.region(region).snapshots.has(snapshotId)) throw alreadyExists(snapshotId);
    checkManualQuota(state, region);
    finalSnapshot = takeManualSnapshot(state, instance, snapshotId, []);
    state.record({ region, action: 'create', id: snapshotId, arn: finalSnapshot.arn, detail: instance.arn });
  }
  const requestedAt = state.now();
  const plane = state.dataPlane;
  instance.status = 'deleting';
  instance.availableAt = undefined;
  instance.goneAt = plane?.instanceDeleted === undefined ? requestedAt + state.limits.deleteMs : null;
  const backups = input.DeleteAutomatedBackups === false ? 'retain-automated-backups' : 'delete-automated-backups';
  state.record({ region, action: 'delete-instance', id: instance.id, arn: instance.arn, detail: `${finalSnapshot ? `final-snapshot ${finalSnapshot.id}` : 'skip-final-snapshot'}, ${backups}` });
  const view = instanceView(state, instance);
  if (finalSnapshot) await announceSnapshotCreated(state, finalSnapshot);
  if (plane?.instanceDeleted !== undefined) {
    try {
      await plane.instanceDeleted({ region, instanceId: instance.id });
    } catch (error) {
      state.record({ region, action: 'data-plane-error', id: instance.id, arn: instance.arn, detail: `instanceDeleted: ${failureMessage(error)}` });
    }
    const done = state.now();
    instance.goneAt = state.explicit.delete ? Math.max(done, requestedAt + state.limits.deleteMs) : done;
  }
  return { DBInstance: view };
};
