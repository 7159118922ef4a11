// A stand-in for the ElastiCache calls of the cache restore test (and the snapshots it seeds from),
// installed on the SDK client class so the real handlers run unchanged. It models what the API reference
// documents: replication group ids (1–40 letters, digits or hyphens, starting with a letter, no two
// hyphens in a row, not ending with one; stored lowercase), the statuses a group passes through
// (creating → available, or create-failed when seeding fails; deleting → gone), the faults by their SDK
// names (ReplicationGroupAlreadyExistsFault, ReplicationGroupNotFoundFault 404,
// InvalidReplicationGroupStateFault, SnapshotNotFoundFault 404, CacheSubnetGroupNotFoundFault,
// InvalidParameterValueException, InvalidParameterCombinationException), AuthToken only with in-transit
// encryption, and tags on the group's ARN. Behind a seeded group is a data plane — in the tests and the
// drill a real redis-server started on the backup's RDB — whose address becomes the group's endpoint.
// For the backup pipeline (the drill): a production group whose endpoint is given, CreateSnapshot (the
// data plane writes its RDB: SnapshotAlreadyExistsFault for a name taken, creating → available),
// CopySnapshot with TargetBucket (the export: "<name>-0001.rdb" written through `exportTo`), and tags on
// snapshots (AddTagsToResource, RemoveTagsFromResource, ListTagsForResource).

import { randomUUID } from 'node:crypto';
import * as elasticache from '@aws-sdk/client-elasticache';
import {
  AddTagsToResourceCommand,
  CopySnapshotCommand,
  CreateReplicationGroupCommand,
  CreateSnapshotCommand,
  DeleteReplicationGroupCommand,
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  DescribeSnapshotsCommand,
  ElastiCacheClient,
  ElastiCacheServiceException,
  ListTagsForResourceCommand,
  RemoveTagsFromResourceCommand,
  type CreateReplicationGroupCommandInput,
  type ReplicationGroup,
  type Snapshot,
  type Tag,
} from '@aws-sdk/client-elasticache';
import { mockClient } from 'aws-sdk-client-mock';
import type { SandboxClock } from './clock.js';

const NOT_FOUND_STATUS: Readonly<Record<string, number>> = { ReplicationGroupNotFoundFault: 404, SnapshotNotFoundFault: 404, CacheClusterNotFoundFault: 404, CacheSubnetGroupNotFoundFault: 400 };

type ExceptionClass = new (options: { message: string; $metadata: ElastiCacheServiceException['$metadata'] }) => ElastiCacheServiceException;

/** An ElastiCache error by its SDK name: an instance of the SDK's class when it exports one, so `.name` and `instanceof` both work. */
export function elastiCacheError(name: string, message: string): ElastiCacheServiceException {
  const candidate: unknown = (elasticache as Record<string, unknown>)[name];
  const $metadata = { httpStatusCode: NOT_FOUND_STATUS[name] ?? 400, requestId: randomUUID(), attempts: 1, totalRetryDelay: 0 };
  if (typeof candidate === 'function' && (candidate as { prototype?: unknown }).prototype instanceof ElastiCacheServiceException) {
    return new (candidate as ExceptionClass)({ message, $metadata });
  }
  return new ElastiCacheServiceException({ name, message, $fault: 'client', $metadata });
}

/** What a group is seeded from, as the data plane is asked for it. */
export type SeedSource = { readonly kind: 'snapshot'; readonly snapshotName: string } | { readonly kind: 's3'; readonly bucket: string; readonly key: string };

/** What runs behind a seeded group: a server loaded from the sources, and its removal; a production group's RDB. */
export interface CacheDataPlane {
  seed(groupId: string, sources: readonly SeedSource[], auth: { readonly token?: string }): Promise<{ host: string; port: number }>;
  remove(groupId: string): Promise<void>;
  /** The RDB of a production group now (BGSAVE), for CreateSnapshot. */
  snapshot?(groupId: string): Promise<Buffer>;
}

interface GroupState {
  readonly id: string;
  readonly region: string;
  readonly arn: string;
  readonly request: CreateReplicationGroupCommandInput;
  readonly tags: Tag[];
  readonly createdAt: number;
  /** Set once the data plane answered: its endpoint, or why seeding failed. */
  seeded: { host: string; port: number } | { failed: string } | null;
  deletingSince: number | null;
}

export interface ElastiCacheStandInOptions {
  readonly account?: string;
  /** How long after the request a seeded group becomes available (ElastiCache takes minutes). */
  readonly seedMs?: number;
  /** How long a deleted group stays "deleting" before it is gone. */
  readonly deleteMs?: number;
  readonly dataPlane?: CacheDataPlane;
  /** Where CopySnapshot with TargetBucket writes an export (the S3 stand-in); throw to refuse it (the bucket's grants). */
  readonly exportTo?: (region: string, bucket: string, key: string, bytes: Buffer) => void;
}

type SnapshotState = Snapshot & { region: string; tags: Tag[]; bytes?: Buffer };

const GROUP_ID = /^[a-z][a-z0-9-]{0,39}$/;

export class ElastiCacheStandIn {
  readonly #clock: SandboxClock;
  readonly #account: string;
  readonly #seedMs: number;
  readonly #deleteMs: number;
  readonly #dataPlane: CacheDataPlane | undefined;
  readonly #groups = new Map<string, GroupState>();
  readonly #snapshots = new Map<string, SnapshotState>();
  readonly #exportTo: ElastiCacheStandInOptions['exportTo'];
  readonly #subnetGroups = new Set<string>(['default']);
  readonly #pending: Promise<unknown>[] = [];
  #mock: { restore(): void } | undefined;

  constructor(clock: SandboxClock, options: ElastiCacheStandInOptions = {}) {
    this.#clock = clock;
    this.#account = options.account ?? '123456789012';
    this.#seedMs = options.seedMs ?? 8 * 60_000;
    this.#deleteMs = options.deleteMs ?? 5 * 60_000;
    this.#dataPlane = options.dataPlane;
    this.#exportTo = options.exportTo;
  }

  /**
   * A production group (available) whose data plane answers at `endpoint`; `shape` is what it was created
   * with (node type, number of nodes, failover, network, parameter group, engine version: one primary node by default).
   */
  addSourceGroup(region: string, id: string, endpoint: { host: string; port: number }, tags: Tag[] = [], shape: Partial<CreateReplicationGroupCommandInput> = {}): void {
    this.#groups.set(`${region}/${id}`, { id, region, arn: this.#arn(region, id), request: { ...shape, ReplicationGroupId: id, ReplicationGroupDescription: 'production' }, tags, createdAt: this.#clock.now() - this.#seedMs, seeded: endpoint, deletingSince: null });
  }

  /** The RDB a snapshot holds (what seeding from it loads). */
  snapshotBytes(snapshotName: string): Buffer | undefined {
    return [...this.#snapshots.values()].find((s) => s.SnapshotName === snapshotName)?.bytes;
  }

  /** Every snapshot, with its status now. */
  snapshots(): { region: string; name: string; status: string; tags: Tag[] }[] {
    return [...this.#snapshots.values()].map((s) => ({ region: s.region, name: s.SnapshotName ?? '', status: s.SnapshotStatus ?? '', tags: s.tags }));
  }

  /** A cache subnet group that exists (besides "default"). */
  addSubnetGroup(name: string): void {
    this.#subnetGroups.add(name);
  }

  /** A manual snapshot in `region` (ours or anyone's, by its tags). */
  addSnapshot(region: string, snapshot: { name: string; status?: string; replicationGroupId?: string; tags?: Tag[] }): void {
    this.#snapshots.set(`${region}/${snapshot.name}`, {
      region,
      SnapshotName: snapshot.name,
      SnapshotStatus: snapshot.status ?? 'available',
      SnapshotSource: 'manual',
      ARN: `arn:aws:elasticache:${region}:${this.#account}:snapshot:${snapshot.name}`,
      ...(snapshot.replicationGroupId === undefined ? {} : { ReplicationGroupId: snapshot.replicationGroupId }),
      tags: snapshot.tags ?? [],
    });
  }

  /** A replication group someone else created (not through the stand-in's CreateReplicationGroup), available. */
  addForeignGroup(region: string, id: string, tags: Tag[] = []): void {
    this.#groups.set(`${region}/${id}`, { id, region, arn: this.#arn(region, id), request: { ReplicationGroupId: id, ReplicationGroupDescription: 'not ours' }, tags, createdAt: this.#clock.now() - this.#seedMs, seeded: { host: '10.0.0.1', port: 6379 }, deletingSince: null });
  }

  /** Every group ever created and not yet gone, with its status now. */
  groups(): { region: string; id: string; status: string; request: CreateReplicationGroupCommandInput }[] {
    return [...this.#groups.values()].flatMap((g) => {
      const status = this.#status(g);
      return status === 'gone' ? [] : [{ region: g.region, id: g.id, status, request: g.request }];
    });
  }

  /** Waits for every seeding the data plane is still doing (a test settles before it looks). */
  async settled(): Promise<void> {
    await Promise.allSettled(this.#pending);
  }

  #arn(region: string, id: string): string {
    return `arn:aws:elasticache:${region}:${this.#account}:replicationgroup:${id}`;
  }

  #status(group: GroupState): string {
    if (group.deletingSince !== null) return this.#clock.now() >= group.deletingSince + this.#deleteMs ? 'gone' : 'deleting';
    if (group.seeded !== null && 'failed' in group.seeded) return 'create-failed';
    if (group.seeded === null || this.#clock.now() < group.createdAt + this.#seedMs) return 'creating';
    return 'available';
  }

  #view(group: GroupState): ReplicationGroup {
    const status = this.#status(group);
    const endpoint = status === 'available' && group.seeded !== null && !('failed' in group.seeded) ? { Address: group.seeded.host, Port: group.seeded.port } : undefined;
    const nodes = Array.from({ length: Math.max(group.request.NumCacheClusters ?? 1, 1) }, (_, i) => `${group.id}-${String(i + 1).padStart(3, '0')}`);
    return {
      ReplicationGroupId: group.id,
      ARN: group.arn,
      Description: group.request.ReplicationGroupDescription,
      Status: status,
      ClusterEnabled: false,
      CacheNodeType: group.request.CacheNodeType,
      TransitEncryptionEnabled: group.request.TransitEncryptionEnabled === true,
      AtRestEncryptionEnabled: group.request.AtRestEncryptionEnabled === true,
      AuthTokenEnabled: group.request.AuthToken !== undefined,
      MemberClusters: nodes,
      AutomaticFailover: group.request.AutomaticFailoverEnabled === true ? 'enabled' : 'disabled',
      MultiAZ: group.request.MultiAZEnabled === true ? 'enabled' : 'disabled',
      SnapshotRetentionLimit: group.request.SnapshotRetentionLimit ?? 0,
      NodeGroups: [
        {
          NodeGroupId: '0001',
          Status: status === 'create-failed' ? 'creating' : status,
          ...(endpoint === undefined ? {} : { PrimaryEndpoint: endpoint, ReaderEndpoint: endpoint }),
          NodeGroupMembers: nodes.map((id, i) => ({ CacheClusterId: id, CacheNodeId: '0001', CurrentRole: i === 0 ? 'primary' : 'replica' })),
        },
      ],
    };
  }

  #find(region: string, id: string): GroupState | undefined {
    const group = this.#groups.get(`${region}/${id.toLowerCase()}`);
    if (group !== undefined && this.#status(group) === 'gone') {
      this.#groups.delete(`${region}/${group.id}`);
      return undefined;
    }
    return group;
  }

  #create(region: string, input: CreateReplicationGroupCommandInput): ReplicationGroup {
    const id = (input.ReplicationGroupId ?? '').toLowerCase();
    if (!GROUP_ID.test(id) || id.includes('--') || id.endsWith('-')) {
      throw elastiCacheError('InvalidParameterValueException', `Invalid replication group id: ${input.ReplicationGroupId ?? ''}`);
    }
    if (input.SnapshotName !== undefined && (input.SnapshotArns?.length ?? 0) > 0) {
      throw elastiCacheError('InvalidParameterCombinationException', 'Cannot specify both SnapshotName and SnapshotArns');
    }
    if (input.AuthToken !== undefined && input.TransitEncryptionEnabled !== true) {
      throw elastiCacheError('InvalidParameterCombinationException', 'AuthToken can be specified only on replication groups where TransitEncryptionEnabled is true');
    }
    if (input.AuthToken !== undefined && (input.AuthToken.length < 16 || input.AuthToken.length > 128)) {
      throw elastiCacheError('InvalidParameterValueException', 'The AuthToken must be between 16 and 128 characters');
    }
    if (input.CacheSubnetGroupName !== undefined && !this.#subnetGroups.has(input.CacheSubnetGroupName)) {
      throw elastiCacheError('CacheSubnetGroupNotFoundFault', `CacheSubnetGroup ${input.CacheSubnetGroupName} does not exist.`);
    }
    if (this.#find(region, id) !== undefined) throw elastiCacheError('ReplicationGroupAlreadyExistsFault', `Replication group ${id} already exists.`);
    let sources: SeedSource[] = [];
    if (input.SnapshotName !== undefined) {
      const snapshot = this.#snapshots.get(`${region}/${input.SnapshotName}`);
      if (snapshot === undefined) throw elastiCacheError('SnapshotNotFoundFault', `Snapshot ${input.SnapshotName} not found.`);
      if (snapshot.SnapshotStatus !== 'available') throw elastiCacheError('InvalidSnapshotStateFault', `Snapshot ${input.SnapshotName} is not available.`);
      sources = [{ kind: 'snapshot', snapshotName: input.SnapshotName }];
    }
    for (const arn of input.SnapshotArns ?? []) {
      const match = /^arn:aws[a-z-]*:s3:::([^/]+)\/(.+)$/.exec(arn);
      if (match === null || arn.includes(',')) throw elastiCacheError('InvalidParameterValueException', `Invalid S3 ARN: ${arn}`);
      sources.push({ kind: 's3', bucket: match[1]!, key: match[2]! });
    }
    const group: GroupState = { id, region, arn: this.#arn(region, id), request: { ...input, ReplicationGroupId: id }, tags: [...(input.Tags ?? [])], createdAt: this.#clock.now(), seeded: null, deletingSince: null };
    this.#groups.set(`${region}/${id}`, group);
    const plane = this.#dataPlane;
    if (plane === undefined) group.seeded = { host: `${id}.stand-in.cache.amazonaws.com`, port: 6379 };
    else {
      this.#pending.push(
        plane.seed(id, sources, input.AuthToken === undefined ? {} : { token: input.AuthToken }).then(
          (endpoint) => (group.seeded = endpoint),
          (error: unknown) => (group.seeded = { failed: error instanceof Error ? error.message : String(error) }),
        ),
      );
    }
    return this.#view(group);
  }

  #delete(region: string, id: string): ReplicationGroup {
    const group = this.#find(region, id);
    if (group === undefined) throw elastiCacheError('ReplicationGroupNotFoundFault', `Replication group ${id} not found.`);
    const status = this.#status(group);
    if (status === 'deleting') throw elastiCacheError('InvalidReplicationGroupStateFault', `Replication group ${id} is already being deleted.`);
    if (status !== 'available' && status !== 'create-failed') throw elastiCacheError('InvalidReplicationGroupStateFault', `Replication group ${id} is not in available state (it is ${status}).`);
    group.deletingSince = this.#clock.now();
    if (this.#dataPlane !== undefined) this.#pending.push(this.#dataPlane.remove(group.id));
    return this.#view(group);
  }

  #createSnapshot(region: string, input: { SnapshotName?: string; ReplicationGroupId?: string; CacheClusterId?: string; Tags?: Tag[] }): Snapshot {
    const name = input.SnapshotName ?? '';
    const groupId = input.ReplicationGroupId ?? input.CacheClusterId?.replace(/-\d{3}$/, '');
    const group = groupId === undefined ? undefined : this.#find(region, groupId);
    if (group === undefined) throw elastiCacheError(input.ReplicationGroupId === undefined ? 'CacheClusterNotFoundFault' : 'ReplicationGroupNotFoundFault', `${input.ReplicationGroupId ?? input.CacheClusterId ?? ''} not found.`);
    if (this.#status(group) !== 'available') throw elastiCacheError('InvalidReplicationGroupStateFault', `Replication group ${group.id} is not in available state.`);
    if (this.#snapshots.has(`${region}/${name}`)) throw elastiCacheError('SnapshotAlreadyExistsFault', `Snapshot ${name} already exists.`);
    const snapshot: SnapshotState = {
      region,
      SnapshotName: name,
      SnapshotStatus: 'creating',
      SnapshotSource: 'manual',
      ARN: `arn:aws:elasticache:${region}:${this.#account}:snapshot:${name}`,
      ReplicationGroupId: group.id,
      ...(input.CacheClusterId === undefined ? {} : { CacheClusterId: input.CacheClusterId }),
      Engine: 'redis',
      NumNodeGroups: 1,
      DataTiering: 'disabled',
      NodeSnapshots: [{ CacheClusterId: `${group.id}-001`, SnapshotCreateTime: new Date(this.#clock.now()) }],
      tags: [...(input.Tags ?? [])],
    };
    this.#snapshots.set(`${region}/${name}`, snapshot);
    const plane = this.#dataPlane;
    if (plane?.snapshot === undefined) snapshot.SnapshotStatus = 'available';
    else {
      this.#pending.push(
        plane.snapshot(group.id).then(
          (bytes) => Object.assign(snapshot, { bytes, SnapshotStatus: 'available' }),
          () => Object.assign(snapshot, { SnapshotStatus: 'failed' }),
        ),
      );
    }
    const { region: _r, tags: _t, bytes: _b, ...view } = snapshot;
    return view;
  }

  #copySnapshot(region: string, input: { SourceSnapshotName?: string; TargetSnapshotName?: string; TargetBucket?: string }): Snapshot {
    const source = this.#snapshots.get(`${region}/${input.SourceSnapshotName ?? ''}`);
    if (source === undefined) throw elastiCacheError('SnapshotNotFoundFault', `Snapshot ${input.SourceSnapshotName ?? ''} not found.`);
    if (source.SnapshotStatus !== 'available' || source.bytes === undefined) throw elastiCacheError('InvalidSnapshotStateFault', `Snapshot ${source.SnapshotName ?? ''} is not available.`);
    if (input.TargetBucket === undefined) throw elastiCacheError('InvalidParameterCombinationException', 'The stand-in models CopySnapshot only as an export (TargetBucket)');
    // One object per node group, named after the target snapshot.
    this.#exportTo?.(region, input.TargetBucket, `${input.TargetSnapshotName ?? source.SnapshotName ?? ''}-0001.rdb`, source.bytes);
    const { region: _r, tags: _t, bytes: _b, ...view } = source;
    return view;
  }

  #tagsOf(arn: string | undefined): Tag[] {
    const group = [...this.#groups.values()].find((g) => g.arn === arn && this.#status(g) !== 'gone');
    if (group !== undefined) return group.tags;
    const snapshot = [...this.#snapshots.values()].find((s) => s.ARN === arn);
    if (snapshot !== undefined) return snapshot.tags;
    throw elastiCacheError(arn?.includes(':snapshot:') === true ? 'SnapshotNotFoundFault' : 'ReplicationGroupNotFoundFault', `${arn ?? ''} not found.`);
  }

  install(): void {
    const mock = mockClient(ElastiCacheClient);
    const regionOf = async (getClient: () => ElastiCacheClient) => getClient().config.region();
    mock.on(CreateReplicationGroupCommand).callsFake(async (input: CreateReplicationGroupCommandInput, getClient: () => ElastiCacheClient) => ({ ReplicationGroup: this.#create(await regionOf(getClient), input) }));
    mock.on(DescribeReplicationGroupsCommand).callsFake(async (input: { ReplicationGroupId?: string }, getClient: () => ElastiCacheClient) => {
      const region = await regionOf(getClient);
      if (input.ReplicationGroupId === undefined) return { ReplicationGroups: [...this.#groups.values()].filter((g) => g.region === region && this.#status(g) !== 'gone').map((g) => this.#view(g)) };
      const group = this.#find(region, input.ReplicationGroupId);
      if (group === undefined) throw elastiCacheError('ReplicationGroupNotFoundFault', `Replication group ${input.ReplicationGroupId} not found.`);
      return { ReplicationGroups: [this.#view(group)] };
    });
    // A node of a group ("<group>-NNN"): its type, engine, network and parameter group as the group was created with them.
    mock.on(DescribeCacheClustersCommand).callsFake(async (input: { CacheClusterId?: string }, getClient: () => ElastiCacheClient) => {
      const region = await regionOf(getClient);
      const id = input.CacheClusterId ?? '';
      const group = [...this.#groups.values()].find((g) => g.region === region && this.#status(g) !== 'gone' && this.#view(g).MemberClusters?.includes(id) === true);
      if (group === undefined) throw elastiCacheError('CacheClusterNotFoundFault', `CacheCluster ${id} not found.`);
      const r = group.request;
      return {
        CacheClusters: [
          {
            CacheClusterId: id,
            ReplicationGroupId: group.id,
            CacheNodeType: r.CacheNodeType,
            Engine: r.Engine ?? 'redis',
            EngineVersion: r.EngineVersion ?? '7.1.0',
            CacheClusterStatus: this.#status(group),
            CacheSubnetGroupName: r.CacheSubnetGroupName ?? 'default',
            SecurityGroups: (r.SecurityGroupIds ?? []).map((SecurityGroupId) => ({ SecurityGroupId, Status: 'active' })),
            CacheParameterGroup: { CacheParameterGroupName: r.CacheParameterGroupName ?? 'default.redis7', ParameterApplyStatus: 'in-sync' },
          },
        ],
      };
    });
    mock.on(DeleteReplicationGroupCommand).callsFake(async (input: { ReplicationGroupId?: string }, getClient: () => ElastiCacheClient) => ({ ReplicationGroup: this.#delete(await regionOf(getClient), input.ReplicationGroupId ?? '') }));
    mock.on(ListTagsForResourceCommand).callsFake(async (input: { ResourceName?: string }) => ({ TagList: [...this.#tagsOf(input.ResourceName)] }));
    // A tag with a key already there replaces its value (the user guide, "Tagging your ElastiCache resources").
    mock.on(AddTagsToResourceCommand).callsFake(async (input: { ResourceName?: string; Tags?: Tag[] }) => {
      const tags = this.#tagsOf(input.ResourceName);
      for (const tag of input.Tags ?? []) {
        const at = tags.findIndex((t) => t.Key === tag.Key);
        if (at >= 0) tags.splice(at, 1);
        tags.push({ ...tag });
      }
      return { TagList: [...tags] };
    });
    mock.on(RemoveTagsFromResourceCommand).callsFake(async (input: { ResourceName?: string; TagKeys?: string[] }) => {
      const tags = this.#tagsOf(input.ResourceName);
      for (const key of input.TagKeys ?? []) {
        const at = tags.findIndex((t) => t.Key === key);
        if (at >= 0) tags.splice(at, 1);
      }
      return { TagList: [...tags] };
    });
    mock.on(CreateSnapshotCommand).callsFake(async (input: { SnapshotName?: string; ReplicationGroupId?: string; CacheClusterId?: string; Tags?: Tag[] }, getClient: () => ElastiCacheClient) => ({
      Snapshot: this.#createSnapshot(await regionOf(getClient), input),
    }));
    mock.on(CopySnapshotCommand).callsFake(async (input: { SourceSnapshotName?: string; TargetSnapshotName?: string; TargetBucket?: string }, getClient: () => ElastiCacheClient) => ({
      Snapshot: this.#copySnapshot(await regionOf(getClient), input),
    }));
    mock.on(DescribeSnapshotsCommand).callsFake(async (input: { SnapshotName?: string }, getClient: () => ElastiCacheClient) => {
      const region = await regionOf(getClient);
      const here = [...this.#snapshots.values()].filter((s) => s.region === region);
      const found = input.SnapshotName === undefined ? here : here.filter((s) => s.SnapshotName === input.SnapshotName);
      if (input.SnapshotName !== undefined && found.length === 0) throw elastiCacheError('SnapshotNotFoundFault', `Snapshot ${input.SnapshotName} not found.`);
      return { Snapshots: found.map(({ region: _region, tags: _tags, bytes: _bytes, ...snapshot }) => snapshot) };
    });
    this.#mock = mock;
  }

  restore(): void {
    this.#mock?.restore();
    this.#mock = undefined;
  }
}
