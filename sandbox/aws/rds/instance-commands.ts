// DescribeDBInstances, DescribeDBInstanceAutomatedBackups, StartDBInstanceAutomatedBackupsReplication and
// DescribeAccountAttributes: instance state, PITR windows, cross-Region backup replication and quotas.

import type {
  AccountAttributesMessage,
  DBInstanceAutomatedBackup,
  DBInstanceAutomatedBackupMessage,
  DBInstanceMessage,
  DescribeDBInstanceAutomatedBackupsCommandInput,
  DescribeDBInstancesCommandInput,
  StartDBInstanceAutomatedBackupsReplicationCommandInput,
  StartDBInstanceAutomatedBackupsReplicationResult,
} from '@aws-sdk/client-rds';
import { instanceNotFound, invalidParameter, missingParameter, rdsError } from './errors.js';
import { autoBackupArn, parseRdsArn, validateTags, type ReplicationRecord } from './model.js';
import { pageSize, paginate } from './pagination.js';
import type { RdsState } from './state.js';
import { activeBackupView, instanceView, replicatedBackupView } from './views.js';

export const describeDBInstances = (state: RdsState, region: string, input: DescribeDBInstancesCommandInput): DBInstanceMessage => {
  const size = pageSize(input.MaxRecords, state.limits.pageSize);
  let list = [...state.region(region).instances.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  if (input.DBInstanceIdentifier) {
    const given = input.DBInstanceIdentifier;
    const arn = parseRdsArn(given);
    const id = (arn && arn.kind === 'db' && arn.region === region ? arn.name : given).toLowerCase();
    list = list.filter((i) => i.id === id);
    if (list.length === 0) throw instanceNotFound(given);
  }
  for (const filter of input.Filters ?? []) {
    const values = filter.Values ?? [];
    if (filter.Name === 'db-instance-id') list = list.filter((i) => values.some((v) => v.toLowerCase() === i.id || v === i.arn));
    else if (filter.Name === 'dbi-resource-id') list = list.filter((i) => values.includes(i.dbiResourceId));
    else if (filter.Name === 'engine') list = list.filter((i) => values.includes(i.engine));
    else throw invalidParameter(`Unrecognized filter name: ${filter.Name} (the RDS stand-in models db-instance-id, dbi-resource-id, engine)`);
  }
  const page = paginate(list, (i) => i.id, size, input.Marker);
  return { DBInstances: page.items.map((i) => instanceView(state, i)), ...(page.marker ? { Marker: page.marker } : {}) };
};

const matchesInstance = (backup: DBInstanceAutomatedBackup, value: string) => {
  const lower = value.toLowerCase();
  return backup.DBInstanceIdentifier === lower || backup.DBInstanceArn === value;
};

const matchesResource = (backup: DBInstanceAutomatedBackup, value: string) =>
  backup.DbiResourceId?.toLowerCase() === value.toLowerCase() || backup.DBInstanceArn === value;

const AUTOMATED_BACKUP_FILTERS: Readonly<Record<string, (b: DBInstanceAutomatedBackup, value: string) => boolean>> = {
  status: (b, v) => b.Status === v,
  'db-instance-id': matchesInstance,
  'dbi-resource-id': matchesResource,
};

/**
 * In the instance's own Region: its automated backups (`active`). In a destination Region: the backups
 * replicated into it (`pending`, `replicating`, or `retained` once the source is gone).
 */
export const describeDBInstanceAutomatedBackups = (
  state: RdsState,
  region: string,
  input: DescribeDBInstanceAutomatedBackupsCommandInput,
): DBInstanceAutomatedBackupMessage => {
  const size = pageSize(input.MaxRecords, state.limits.pageSize);
  const own = [...state.region(region).instances.values()].filter((i) => i.backupRetentionPeriod > 0).map((i) => activeBackupView(state, i));
  const replicated = state.replications.filter((r) => r.region === region).map((r) => replicatedBackupView(state, r));
  let list = [...own, ...replicated].sort((a, b) => ((a.DBInstanceAutomatedBackupsArn ?? '') < (b.DBInstanceAutomatedBackupsArn ?? '') ? -1 : 1));
  if (input.DBInstanceIdentifier) {
    // The API reference: "If this parameter is specified, it must match the identifier of an existing DB
    // instance" — in a destination Region, where the source instance does not exist, it is not found.
    const given = input.DBInstanceIdentifier;
    if (![...state.region(region).instances.values()].some((i) => i.id === given.toLowerCase() || i.arn === given)) throw instanceNotFound(given);
    list = list.filter((b) => matchesInstance(b, given));
  }
  if (input.DbiResourceId) list = list.filter((b) => matchesResource(b, input.DbiResourceId ?? ''));
  if (input.DBInstanceAutomatedBackupsArn) list = list.filter((b) => b.DBInstanceAutomatedBackupsArn === input.DBInstanceAutomatedBackupsArn);
  for (const filter of input.Filters ?? []) {
    const test = AUTOMATED_BACKUP_FILTERS[filter.Name ?? ''];
    if (!test) throw invalidParameter(`Unrecognized filter name: ${filter.Name}`);
    list = list.filter((b) => (filter.Values ?? []).some((v) => test(b, v)));
  }
  const page = paginate(list, (b) => b.DBInstanceAutomatedBackupsArn ?? '', size, input.Marker);
  return { DBInstanceAutomatedBackups: page.items, ...(page.marker ? { Marker: page.marker } : {}) };
};

/** Called on the destination Region's client with the source instance's ARN. */
export const startDBInstanceAutomatedBackupsReplication = (
  state: RdsState,
  region: string,
  input: StartDBInstanceAutomatedBackupsReplicationCommandInput,
): StartDBInstanceAutomatedBackupsReplicationResult => {
  const sourceArn = input.SourceDBInstanceArn;
  if (!sourceArn) throw missingParameter('SourceDBInstanceArn');
  const arn = parseRdsArn(sourceArn);
  if (!arn || arn.kind !== 'db') throw invalidParameter(`Invalid SourceDBInstanceArn: ${sourceArn}`);
  if (arn.region === region) throw invalidParameter('The destination Region must be different from the source Region of the DB instance.');
  const instance = arn.account === state.account ? state.region(arn.region).instances.get(arn.name.toLowerCase()) : undefined;
  if (!instance) throw instanceNotFound(sourceArn);
  if (instance.backupRetentionPeriod <= 0) {
    throw rdsError('InvalidDBInstanceStateFault', `Automated backups are not enabled for DB instance ${instance.id}; set a backup retention period first.`);
  }
  const active = state.replications.filter((r) => r.region === region && r.sourceGoneAt === null);
  if (active.some((r) => r.sourceArn === instance.arn)) {
    throw rdsError('InvalidDBInstanceAutomatedBackupStateFault', `Automated backups of DB instance ${instance.id} are already replicated to ${region}.`);
  }
  if (active.length >= state.limits.maxReplicatedBackupsPerRegion) {
    throw rdsError('DBInstanceAutomatedBackupQuotaExceededFault', `Cannot replicate more than ${state.limits.maxReplicatedBackupsPerRegion} automated backups to ${region}.`);
  }
  if (instance.kmsKeyArn !== null && !input.KmsKeyId) {
    throw invalidParameter(`Encrypted DB instance ${instance.id} requires a KmsKeyId in the destination Region ${region}.`);
  }
  const kmsKeyArn = input.KmsKeyId ? state.kms.resolve(region, input.KmsKeyId) : null;
  const retention = input.BackupRetentionPeriod ?? instance.backupRetentionPeriod;
  if (!Number.isInteger(retention) || retention < 1 || retention > 35) throw invalidParameter(`Invalid BackupRetentionPeriod ${retention}: must be between 1 and 35`);
  const now = state.now();
  const replication: ReplicationRecord = {
    region,
    arn: autoBackupArn(region, state.account, instance.dbiResourceId),
    sourceArn: instance.arn,
    sourceRegion: instance.region,
    sourceId: instance.id,
    dbiResourceId: instance.dbiResourceId,
    retentionPeriod: retention,
    kmsKeyArn,
    startedAt: now,
    replicatingAt: now + state.limits.replicationStartMs,
    sourceGoneAt: null,
    tags: validateTags(input.Tags),
    engine: instance.engine,
    engineVersion: instance.engineVersion,
    allocatedStorage: instance.allocatedStorage,
    instanceCreateTime: instance.createdAt,
  };
  state.replications.push(replication);
  state.record({ region, action: 'start-replication', id: instance.id, arn: replication.arn, detail: instance.arn });
  return { DBInstanceAutomatedBackup: replicatedBackupView(state, replication) };
};

export const describeAccountAttributes = (state: RdsState, region: string): AccountAttributesMessage => {
  const regionState = state.region(region);
  const instances = [...regionState.instances.values()];
  const manual = [...regionState.snapshots.values()].filter((s) => s.type === 'manual').length;
  return {
    AccountQuotas: [
      { AccountQuotaName: 'DBInstances', Used: instances.length, Max: state.limits.dbInstanceQuota },
      { AccountQuotaName: 'AllocatedStorage', Used: instances.reduce((sum, i) => sum + i.allocatedStorage, 0), Max: 100_000 },
      { AccountQuotaName: 'ManualSnapshots', Used: manual, Max: state.limits.manualSnapshotQuota },
    ],
  };
};
