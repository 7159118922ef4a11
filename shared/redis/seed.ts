// Seeding a replication group from a backup — the cache restore test's temporary group, and the group
// region-failover (or its rehearsal) brings up in the secondary: the CreateReplicationGroup request (pure)
// and the call. Idempotent: a group already there under the name goes on when it carries our tags for
// this run, and is never adopted otherwise. The AUTH token is read from the policy's secret into the
// request and nowhere else: never logged, never returned to the state machine.

import {
  CreateReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
  ListTagsForResourceCommand,
  type CreateReplicationGroupCommandInput,
  type ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { TAG } from '../contracts.js';
import { ConfigurationError, errorMessage, errorName } from '../errors.js';
import type { CacheValidation, Policy } from '../policy/schema.js';
import type { Log } from '../runtime/log.js';
import { isOwned, restoreTestTags, tagValue, type AwsTag } from '../tags.js';
import { cacheCredentials } from './endpoint.js';
import { CacheRestoreFailed } from './errors.js';
import type { CacheRestorePlan, CacheSeeded } from './restore-run.js';

/** The S3 partition of a region ("aws-cn" for China): an export object's ARN carries it. */
const partitionOf = (region: string) => (region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws');

/** How the restore authenticates: the source's AUTH token, or its RBAC users through the policy's user group. */
export type RestoreAuth = { readonly kind: 'none' } | { readonly kind: 'token'; readonly token: string } | { readonly kind: 'user-group'; readonly userGroupId: string };

/** ElastiCache's EngineVersion ("7.1") of the version INFO reported ("7.1.0"): an .rdb seeds with the source's. */
export function engineVersionOf(version: string): string | undefined {
  const match = /^(\d+)\.(\d+)/.exec(version);
  return match === null ? undefined : `${match[1]}.${match[2]}`;
}

/** What differs between the groups seeded: their tags (ours and the run's), what they are for, their shape, their own backups and key. */
export interface SeedOptions {
  readonly tags: readonly { Key: string; Value: string }[];
  /** The tag (key and value) that marks a group as this run's: a retried step goes on with it, refuses any other. */
  readonly runTag: { readonly key: string; readonly value: string };
  /** Whose group the run tag marks, in the refusal of anyone else's ("this run's" unless said). */
  readonly whose?: string;
  /** A production-shaped group (a recovery's): as many nodes as the group it replaces, its failover, Multi-AZ and parameter group. Absent: one node, no failover. */
  readonly shape?: { readonly numCacheClusters: number; readonly automaticFailover: boolean; readonly multiAz: boolean; readonly parameterGroup?: string | undefined };
  /** What the log says once the create was sent (absent: "cache restore seeding"), and fields it adds. */
  readonly logged?: { readonly message: string; readonly fields: Readonly<Record<string, unknown>> };
  readonly description?: string;
  /** ElastiCache's own daily backups of the group, in days (0: none). */
  readonly snapshotRetentionLimit?: number;
  /** The KMS key at-rest encryption uses (absent: ElastiCache's default key). */
  readonly kmsKeyId?: string;
}

/** A restore test's: tagged as ours and as the test run's (teardown and the janitor delete only what carries them). */
export function restoreTestSeedOptions(policy: Policy, plan: CacheRestorePlan): SeedOptions {
  return { tags: restoreTestTags(policy, plan), runTag: { key: TAG.restoreTest, value: plan.runId } };
}

/**
 * One node of the plan's type, no failover (or the options' production shape), encrypted at rest, TLS and
 * AUTH as the source has them, in the plan's subnet and security groups, tagged (tag-on-create: the only way IAM lets the step create a group).
 * From the snapshot by name, or from the export's .rdb objects by their S3 ARNs (one per node group).
 */
export function seedRequest(policy: Policy, plan: CacheRestorePlan, validation: Pick<CacheValidation, 'tls'>, auth: RestoreAuth, options: SeedOptions = restoreTestSeedOptions(policy, plan)): CreateReplicationGroupCommandInput {
  const seed =
    plan.seed.kind === 'snapshot'
      ? { SnapshotName: plan.seed.snapshotName }
      : {
          SnapshotArns: plan.seed.keys.map((key) => `arn:${partitionOf(plan.region)}:s3:::${plan.seed.kind === 'export' ? plan.seed.bucket : ''}/${key}`),
          // A snapshot keeps its engine; an .rdb does not: the source's, as the manifest recorded it.
          ...(plan.engine === undefined ? {} : { Engine: plan.engine }),
          ...(plan.engineVersion === undefined ? {} : { EngineVersion: plan.engineVersion }),
        };
  return {
    ReplicationGroupId: plan.groupId,
    ReplicationGroupDescription: (options.description ?? `backup-dr restore test of ${plan.resource} from ${plan.snapshotName}`).slice(0, 255),
    CacheNodeType: plan.nodeType,
    NumCacheClusters: options.shape?.numCacheClusters ?? 1,
    AutomaticFailoverEnabled: options.shape?.automaticFailover ?? false,
    MultiAZEnabled: options.shape?.multiAz ?? false,
    ...(options.shape?.parameterGroup === undefined ? {} : { CacheParameterGroupName: options.shape.parameterGroup }),
    SnapshotRetentionLimit: options.snapshotRetentionLimit ?? 0,
    AtRestEncryptionEnabled: true,
    ...(options.kmsKeyId === undefined ? {} : { KmsKeyId: options.kmsKeyId }),
    TransitEncryptionEnabled: validation.tls,
    ...seed,
    ...(plan.subnetGroup === undefined ? {} : { CacheSubnetGroupName: plan.subnetGroup }),
    ...(plan.securityGroups.length === 0 ? {} : { SecurityGroupIds: [...plan.securityGroups] }),
    ...(auth.kind === 'token' ? { AuthToken: auth.token } : {}),
    ...(auth.kind === 'user-group' ? { UserGroupIds: [auth.userGroupId] } : {}),
    Tags: [...options.tags],
  };
}

export interface SeedDeps {
  readonly policy: Policy;
  /** ElastiCache and Secrets Manager in the plan's region. */
  readonly elasticache: ElastiCacheClient;
  readonly secrets: SecretsManagerClient;
  readonly log: Log;
  readonly now: () => number;
}

/** Throttling is the state machine's to retry; every other refusal fails the step, saying why. */
const RETRIED = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException']);

/** Seeds the plan's group (the restore test's tags unless `options` says otherwise). */
export async function seedCacheRestore(deps: SeedDeps, plan: CacheRestorePlan, options: SeedOptions = restoreTestSeedOptions(deps.policy, plan)): Promise<CacheSeeded> {
  const cache = deps.policy.resources.caches.find((c) => c.name === plan.resource);
  if (cache === undefined) throw new ConfigurationError(`the plan names cache "${plan.resource}", which the policy no longer has`);
  const auth = await restoreAuth(deps, cache.validation.authSecret, cache.validation.tls, plan.userGroupId);
  const requestedAt = deps.now();
  try {
    await deps.elasticache.send(new CreateReplicationGroupCommand(seedRequest(deps.policy, plan, cache.validation, auth, options)));
    deps.log.info(options.logged?.message ?? 'cache restore seeding', { runId: plan.runId, groupId: plan.groupId, from: plan.seed.kind, snapshotName: plan.snapshotName, region: plan.region, ...options.logged?.fields });
    return { requestedAt, alreadyExisted: false };
  } catch (error) {
    if (errorName(error) === 'ReplicationGroupAlreadyExistsFault') {
      if (await isThisRunsGroup(deps, plan, options.runTag)) return { requestedAt, alreadyExisted: true };
      throw new CacheRestoreFailed(`a replication group named ${plan.groupId} exists and is not ${options.whose ?? "this run's"}: refusing to use it`, { cause: error });
    }
    if (RETRIED.has(errorName(error))) throw error;
    throw new CacheRestoreFailed(`ElastiCache refused to seed ${plan.groupId} from ${plan.snapshotName}: ${errorName(error)}: ${errorMessage(error)}`, { cause: error });
  }
}

async function isThisRunsGroup(deps: SeedDeps, plan: CacheRestorePlan, runTag: SeedOptions['runTag']): Promise<boolean> {
  const group = (await deps.elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: plan.groupId }))).ReplicationGroups?.[0];
  if (group?.ARN === undefined) return false;
  const tags: AwsTag[] = (await deps.elasticache.send(new ListTagsForResourceCommand({ ResourceName: group.ARN }))).TagList ?? [];
  return isOwned(tags, deps.policy.tags.owner, deps.policy.name) && tagValue(tags, runTag.key) === runTag.value;
}

/** The source's authentication for the restore: an AUTH token needs TLS; RBAC users need the policy's user group. */
async function restoreAuth(deps: SeedDeps, secretId: string | undefined, tls: boolean, userGroupId: string | undefined): Promise<RestoreAuth> {
  if (userGroupId !== undefined) return { kind: 'user-group', userGroupId };
  if (secretId === undefined) return { kind: 'none' };
  const credentials = await cacheCredentials(deps.secrets, secretId);
  if (credentials.username !== undefined) {
    throw new ConfigurationError(`validation.authSecret ${secretId} names an RBAC user: set restoreTest.userGroupId (failover.userGroupId for a failover) to the user group the new group should join`);
  }
  if (!tls) throw new ConfigurationError(`validation.authSecret ${secretId} is an AUTH token, which ElastiCache accepts only with in-transit encryption (validation.tls: true)`);
  return { kind: 'token', token: credentials.password ?? '' };
}
