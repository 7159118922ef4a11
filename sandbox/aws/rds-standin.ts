// A stateful stand-in for the RDS calls backup-dr makes, installed on RDSClient with aws-sdk-client-mock so
// real handlers run unchanged: every RDSClient, whatever its Region, talks to this one simulated account.
// Snapshots (create, copy, delete, describe, tags), instances and automated-backup replication, and the
// restore tests' temporary instances (RestoreDBInstanceFromDBSnapshot, RestoreDBInstanceToPointInTime,
// DeleteDBInstance). Time comes from a SandboxClock (ManualClock for simulations, systemClock() for drills);
// an optional RdsDataPlane (rds/data-plane.ts) backs snapshots and instances with real databases.
//
// Under aws-sdk-client-mock the client's `send` is replaced, so no middleware runs: no retries (a Throttling
// fault reaches the caller on the first attempt, whatever `maxAttempts` says), no credentials, no endpoint
// resolution, no request validation. Should the stand-in ever move to the middleware stack instead, build
// test clients with `maxAttempts: 1` so throttling faults don't wait out the SDK's backoff.

import {
  AddTagsToResourceCommand,
  CopyDBSnapshotCommand,
  CreateDBSnapshotCommand,
  DeleteDBInstanceCommand,
  DeleteDBSnapshotCommand,
  DescribeAccountAttributesCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ListTagsForResourceCommand,
  RDSClient,
  RemoveTagsFromResourceCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
  StartDBInstanceAutomatedBackupsReplicationCommand,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  type Tag,
} from '@aws-sdk/client-rds';
import { mockClient, type AwsCommand, type AwsStub } from 'aws-sdk-client-mock';
import { randomUUID } from 'node:crypto';
import { UnmodelledCommand } from './rds/errors.js';
import { wireCopy } from './wire-copy.js';
import type { KmsDirectory } from './rds/kms.js';
import { commandName, FaultSwitchboard, type RdsFaults } from './rds/faults.js';
import {
  describeAccountAttributes,
  describeDBInstanceAutomatedBackups,
  describeDBInstances,
  startDBInstanceAutomatedBackupsReplication,
} from './rds/instance-commands.js';
import {
  cloneTags,
  dbiResourceIdFor,
  defaultEndpoint,
  instanceArn,
  percentProgress,
  snapshotArn,
  snapshotStatus,
  validIdentifier,
  type InstanceRecord,
  type InstanceStatus,
  type RestoreOrigin,
  type SnapshotStatus,
} from './rds/model.js';
import { deleteDBInstance, restoreDBInstanceFromDBSnapshot, restoreDBInstanceToPointInTime } from './rds/restore-commands.js';
import { copyDBSnapshot, createDBSnapshot, deleteDBSnapshot, describeDBSnapshots } from './rds/snapshot-commands.js';
import { RdsState, type HistoryEntry, type RdsStandInOptions } from './rds/state.js';
import { addTagsToResource, listTagsForResource, removeTagsFromResource } from './rds/tag-commands.js';
import { replicationStatus } from './rds/views.js';

export type { HistoryEntry, RdsStandInOptions } from './rds/state.js';
export type { RdsFaults } from './rds/faults.js';
export type { Endpoint, InstanceStatus, RestoreOrigin } from './rds/model.js';
export type { RdsDataPlane, RestoredEndpoint, RestoreSource } from './rds/data-plane.js';

export type RdsMock = AwsStub<ServiceInputTypes, ServiceOutputTypes, RDSClient['config']>;

export interface InstanceSpec {
  readonly id: string;
  readonly status?: InstanceStatus;
  readonly engine?: string;
  readonly engineVersion?: string;
  readonly allocatedStorage?: number;
  readonly instanceClass?: string;
  /** Key ARN, key id or alias (resolved like CopyDBSnapshot's KmsKeyId); null = unencrypted; absent = `alias/aws/rds`. */
  readonly kmsKeyId?: string | null;
  /** Days (0–35); 0 disables automated backups and PITR. Default 7. */
  readonly backupRetentionPeriod?: number;
  /** "hh:mm-hh:mm" UTC. Default 17:00-17:30 (02:00 in Tokyo). */
  readonly preferredBackupWindow?: string;
  readonly copyTagsToSnapshot?: boolean;
  readonly tags?: readonly Tag[];
  /** Default: the clock's now. */
  readonly createdAt?: number;
  /** Where it listens. Default: `<id>.<token>.<region>.rds.amazonaws.com:5432`. */
  readonly endpoint?: { readonly address: string; readonly port: number };
  /** Its initial database (DBName); snapshots and restores of it inherit it. Default: none. */
  readonly dbName?: string;
  /** DeleteDBInstance refuses while true (InvalidParameterCombination). Default false. */
  readonly deletionProtection?: boolean;
}

export interface SeedSnapshotSpec {
  readonly id: string;
  readonly instanceId: string;
  /** When the snapshot was taken; it is available `snapshotMinutes` later. */
  readonly createdAt: number;
  readonly tags?: readonly Tag[];
  readonly kmsKeyId?: string | null;
  readonly engineVersion?: string;
  readonly allocatedStorage?: number;
}

/** A snapshot as the stand-in holds it, for assertions (status and progress evaluated at the clock's now). */
export interface StandInSnapshot {
  readonly id: string;
  readonly arn: string;
  readonly region: string;
  readonly type: 'manual' | 'automated';
  readonly status: SnapshotStatus;
  readonly percentProgress: number;
  readonly instanceId: string;
  readonly createTime: number;
  readonly originalCreateTime: number;
  readonly availableAt: number;
  readonly tags: readonly Tag[];
  readonly encrypted: boolean;
  readonly kmsKeyId: string | null;
  readonly engine: string;
  readonly engineVersion: string;
  readonly allocatedStorage: number;
  readonly sourceArn?: string;
  readonly sourceRegion?: string;
  readonly incremental?: boolean;
}

export interface StandInReplication {
  readonly destinationRegion: string;
  readonly arn: string;
  readonly sourceArn: string;
  readonly status: 'pending' | 'replicating' | 'retained';
  readonly retentionPeriod: number;
  readonly kmsKeyId: string | null;
}

/** An instance as the stand-in holds it, for assertions (status evaluated at the clock's now). */
export interface StandInInstance {
  readonly id: string;
  readonly arn: string;
  readonly region: string;
  /** As DescribeDBInstances shows it (`creating`, `available`, `backing-up`, `deleting`, `failed`, …). */
  readonly status: string;
  /** null while being restored, or when a data plane's restore failed. */
  readonly endpoint: { readonly address: string; readonly port: number } | null;
  readonly dbName?: string;
  readonly engine: string;
  readonly engineVersion: string;
  readonly allocatedStorage: number;
  readonly instanceClass: string;
  readonly kmsKeyId: string | null;
  readonly backupRetentionPeriod: number;
  readonly deletionProtection: boolean;
  readonly multiAZ: boolean;
  readonly publiclyAccessible: boolean;
  readonly subnetGroup?: string;
  readonly securityGroups: readonly string[];
  readonly tags: readonly Tag[];
  readonly createTime: number;
  /** When a restore becomes (became) available; null while its data plane works. Absent for seeded instances. */
  readonly availableAt?: number | null;
  /** When a deleting instance disappears; null while its data plane works. */
  readonly goneAt?: number | null;
  readonly restoredFrom?: RestoreOrigin;
}

type Handler<I> = (state: RdsState, region: string, input: I) => object | Promise<object>;
/** A command wired to the stand-in: what aws-sdk-client-mock's fake is given, the response it resolves to. */
type Route = (input: ServiceInputTypes, getClient: () => RDSClient) => Promise<ServiceOutputTypes>;

export class RdsStandIn {
  readonly #state: RdsState;
  readonly #faults: FaultSwitchboard;
  #mock: RdsMock | undefined;

  constructor(options: RdsStandInOptions) {
    this.#state = new RdsState(options);
    this.#faults = new FaultSwitchboard(this.#state);
  }

  get accountId(): string {
    return this.#state.account;
  }

  get faults(): RdsFaults {
    return this.#faults;
  }

  /** Everything the stand-in did on request, oldest first: for "nothing deleted before verified" assertions. */
  get history(): readonly HistoryEntry[] {
    return this.#state.history;
  }

  /** The aws-sdk-client-mock stub, for `commandCalls(...)` and `toReceiveCommandWith(...)`. */
  get mock(): RdsMock {
    if (!this.#mock) throw new Error('RdsStandIn.install() has not been called');
    return this.#mock;
  }

  /** Replace RDSClient#send for every RDSClient (existing and future) until `restore()`. */
  install(): RdsMock {
    if (this.#mock) throw new Error('RdsStandIn is already installed');
    const mock = mockClient(RDSClient);
    const routes = new Map<unknown, Route>();
    const route = <I extends ServiceInputTypes, O extends ServiceOutputTypes>(command: new (input: I) => AwsCommand<I, O>, handler: Handler<I>) =>
      routes.set(command, this.#wire(commandName(command.name), handler as Handler<ServiceInputTypes>));
    route(CreateDBSnapshotCommand, createDBSnapshot);
    route(CopyDBSnapshotCommand, copyDBSnapshot);
    route(DeleteDBSnapshotCommand, deleteDBSnapshot);
    route(DescribeDBSnapshotsCommand, describeDBSnapshots);
    route(AddTagsToResourceCommand, addTagsToResource);
    route(ListTagsForResourceCommand, listTagsForResource);
    route(RemoveTagsFromResourceCommand, removeTagsFromResource);
    route(DescribeDBInstancesCommand, describeDBInstances);
    route(DescribeDBInstanceAutomatedBackupsCommand, describeDBInstanceAutomatedBackups);
    route(StartDBInstanceAutomatedBackupsReplicationCommand, startDBInstanceAutomatedBackupsReplication);
    route(RestoreDBInstanceFromDBSnapshotCommand, restoreDBInstanceFromDBSnapshot);
    route(RestoreDBInstanceToPointInTimeCommand, restoreDBInstanceToPointInTime);
    route(DeleteDBInstanceCommand, deleteDBInstance);
    route(DescribeAccountAttributesCommand, (state, region) => describeAccountAttributes(state, region));
    // One behaviour that looks the command's class up, rather than one `mock.on(Command)` per command:
    // sinon matches a call against every `on` in turn (a deep comparison each), which was a quarter of a
    // long simulation's time. A test's own `mock.on(…)` still takes precedence over this one.
    mock.onAnyCommand().callsFake((input: ServiceInputTypes, getClient: () => RDSClient) => {
      // The call being made: the fake runs synchronously inside `send`, so it is the stub's last call.
      const command: unknown = mock.send.lastCall?.args[0];
      const wired = typeof command === 'object' && command !== null ? routes.get(command.constructor) : undefined;
      if (wired === undefined) throw new UnmodelledCommand(typeof command === 'object' && command !== null ? command.constructor.name : 'an unknown command');
      return wired(input, getClient);
    });
    this.#mock = mock;
    return mock;
  }

  restore(): void {
    this.#mock?.restore();
    this.#mock = undefined;
  }

  addInstance(region: string, spec: InstanceSpec): void {
    const id = validIdentifier('DBInstanceIdentifier', spec.id);
    this.#state.settle();
    const regionState = this.#state.region(region);
    if (regionState.instances.has(id)) throw new Error(`instance ${id} already exists in ${region}`);
    const retention = spec.backupRetentionPeriod ?? 7;
    if (!Number.isInteger(retention) || retention < 0 || retention > 35) throw new RangeError(`backupRetentionPeriod must be 0–35, got ${retention}`);
    const kmsKeyArn = spec.kmsKeyId === null ? null : this.#state.kms.resolve(region, spec.kmsKeyId ?? 'alias/aws/rds');
    const record: InstanceRecord = {
      region,
      id,
      arn: instanceArn(region, this.#state.account, id),
      dbiResourceId: dbiResourceIdFor(region, id),
      status: spec.status ?? 'available',
      engine: spec.engine ?? 'postgres',
      engineVersion: spec.engineVersion ?? '16.4',
      allocatedStorage: spec.allocatedStorage ?? 100,
      instanceClass: spec.instanceClass ?? 'db.t4g.medium',
      kmsKeyArn,
      backupRetentionPeriod: retention,
      preferredBackupWindow: spec.preferredBackupWindow ?? '17:00-17:30',
      copyTagsToSnapshot: spec.copyTagsToSnapshot ?? false,
      createdAt: spec.createdAt ?? this.#state.now(),
      endpoint: spec.endpoint ? { address: spec.endpoint.address, port: spec.endpoint.port } : defaultEndpoint(region, id),
      masterUsername: 'postgres',
      ...(spec.dbName === undefined ? {} : { dbName: spec.dbName }),
      deletionProtection: spec.deletionProtection ?? false,
      multiAZ: false,
      publiclyAccessible: false,
      autoMinorVersionUpgrade: true,
      securityGroups: [],
      tags: cloneTags(spec.tags),
    };
    regionState.instances.set(id, record);
  }

  setInstanceStatus(region: string, id: string, status: InstanceStatus): void {
    this.#instance(region, id).status = status;
  }

  /**
   * The instance disappears at once (no DeleteDBInstance, no data-plane hook); its automated snapshots go
   * with it, its replicated backups become `retained`.
   */
  removeInstance(region: string, id: string): void {
    this.#state.forgetInstance(this.#instance(region, id), this.#state.now());
  }

  /** The DB instances in `region` (including `deleting` ones not yet gone), by identifier. */
  instances(region: string): readonly StandInInstance[] {
    this.#state.settle();
    return [...this.#state.region(region).instances.values()]
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((i) => ({
        id: i.id,
        arn: i.arn,
        region: i.region,
        status: this.#state.instanceStatus(i),
        endpoint: i.endpoint === null ? null : { address: i.endpoint.address, port: i.endpoint.port },
        ...(i.dbName === undefined ? {} : { dbName: i.dbName }),
        engine: i.engine,
        engineVersion: i.engineVersion,
        allocatedStorage: i.allocatedStorage,
        instanceClass: i.instanceClass,
        kmsKeyId: i.kmsKeyArn,
        backupRetentionPeriod: i.backupRetentionPeriod,
        deletionProtection: i.deletionProtection,
        multiAZ: i.multiAZ,
        publiclyAccessible: i.publiclyAccessible,
        ...(i.subnetGroup === undefined ? {} : { subnetGroup: i.subnetGroup }),
        securityGroups: [...i.securityGroups],
        tags: cloneTags(i.tags),
        createTime: i.createdAt,
        ...(i.availableAt === undefined ? {} : { availableAt: i.availableAt }),
        ...(i.goneAt === undefined ? {} : { goneAt: i.goneAt }),
        ...(i.restoredFrom === undefined ? {} : { restoredFrom: { ...i.restoredFrom } }),
      }));
  }

  /** The KMS keys this account has, per region: the KMS stand-in answers from the same directory. */
  get kmsKeys(): KmsDirectory {
    return this.#state.kms;
  }

  /** Make `aliasOrId` resolve to `keyArn` in `region` (`alias/aws/rds` always exists). */
  addKmsKey(region: string, aliasOrId: string, keyArn: string): void {
    this.#state.kms.add(region, aliasOrId, keyArn);
  }

  /** Uses of this key in `region` fail with KMSKeyNotAccessibleFault (disabled, deleted, or no grant). */
  denyKmsKey(region: string, keyIdOrAliasOrArn: string): void {
    this.#state.kms.deny(region, keyIdOrAliasOrArn);
  }

  /** A manual snapshot that already exists (taken before the test starts, or by someone else). */
  seedSnapshot(region: string, spec: SeedSnapshotSpec): void {
    const id = validIdentifier('DBSnapshotIdentifier', spec.id);
    const regionState = this.#state.region(region);
    if (regionState.snapshots.has(id)) throw new Error(`snapshot ${id} already exists in ${region}`);
    const instance = regionState.instances.get(spec.instanceId.toLowerCase());
    const kmsKeyArn =
      spec.kmsKeyId === null ? null : spec.kmsKeyId !== undefined ? this.#state.kms.resolve(region, spec.kmsKeyId) : (instance?.kmsKeyArn ?? null);
    const readyAt = spec.createdAt + this.#state.limits.snapshotMs;
    regionState.snapshots.set(id, {
      region,
      id,
      arn: snapshotArn(region, this.#state.account, id),
      type: 'manual',
      instanceId: spec.instanceId.toLowerCase(),
      dbiResourceId: instance?.dbiResourceId ?? dbiResourceIdFor(region, spec.instanceId.toLowerCase()),
      instanceCreateTime: instance?.createdAt ?? spec.createdAt,
      engine: instance?.engine ?? 'postgres',
      engineVersion: spec.engineVersion ?? instance?.engineVersion ?? '16.4',
      allocatedStorage: spec.allocatedStorage ?? instance?.allocatedStorage ?? 100,
      kmsKeyArn,
      createdAt: spec.createdAt,
      originalCreateTime: spec.createdAt,
      startedAt: spec.createdAt,
      normalReadyAt: readyAt,
      readyAt,
      failed: false,
      tags: cloneTags(spec.tags),
    });
  }

  /** Manual and (current) automated snapshots in `region`, oldest first. */
  snapshots(region: string): readonly StandInSnapshot[] {
    this.#state.settle();
    const now = this.#state.now();
    return this.#state.snapshotsIn(region).map((s) => ({
      id: s.id,
      arn: s.arn,
      region: s.region,
      type: s.type,
      status: snapshotStatus(s, now),
      percentProgress: percentProgress(s, now),
      instanceId: s.instanceId,
      createTime: s.createdAt,
      originalCreateTime: s.originalCreateTime,
      availableAt: s.readyAt,
      tags: cloneTags(s.tags),
      encrypted: s.kmsKeyArn !== null,
      kmsKeyId: s.kmsKeyArn,
      engine: s.engine,
      engineVersion: s.engineVersion,
      allocatedStorage: s.allocatedStorage,
      ...(s.copy ? { sourceArn: s.copy.sourceArn, sourceRegion: s.copy.sourceRegion, incremental: s.copy.incremental } : {}),
    }));
  }

  replications(): readonly StandInReplication[] {
    this.#state.settle();
    const now = this.#state.now();
    return this.#state.replications.map((r) => ({
      destinationRegion: r.region,
      arn: r.arn,
      sourceArn: r.sourceArn,
      status: replicationStatus(r, now),
      retentionPeriod: r.retentionPeriod,
      kmsKeyId: r.kmsKeyArn,
    }));
  }

  #instance(region: string, id: string): InstanceRecord {
    this.#state.settle();
    const instance = this.#state.region(region).instances.get(id.toLowerCase());
    if (!instance) throw new Error(`no instance ${id} in ${region}`);
    return instance;
  }

  /**
   * Wire one command. aws-sdk-client-mock's `getClient` returns the client of the call being made only
   * while the fake runs synchronously (it reads the stub's latest `this`), so it is read before any await.
   * Time-driven changes are settled before the handler runs; a handler may await the data plane.
   */
  #wire(name: string, handler: Handler<ServiceInputTypes>): Route {
    return (input, getClient) => {
      const client = getClient();
      return client.config.region().then(async (region) => {
        const fault = this.#faults.take(name, region);
        if (fault) throw fault;
        this.#state.settle();
        const output = await handler(this.#state, region, input);
        return wireCopy({ ...output, $metadata: { httpStatusCode: 200, requestId: randomUUID(), attempts: 1, totalRetryDelay: 0 } });
      });
    };
  }

}
