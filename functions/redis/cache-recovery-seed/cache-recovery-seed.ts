// Seeds the new replication group of a planned cache recovery (plan.ts builds the request). Idempotent: a
// retried step that finds the group already there goes on if it is this recovery's, and never adopts
// anyone else's. The AUTH token is read from the policy's secret into the request and nowhere else: never
// logged, never returned to the state machine.

import { CreateReplicationGroupCommand, DescribeReplicationGroupsCommand, ListTagsForResourceCommand, type ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { TAG } from '../../../shared/contracts.js';
import { ConfigurationError, errorMessage, errorName } from '../../../shared/errors.js';
import type { CacheResource, Policy } from '../../../shared/policy/schema.js';
import { cacheCredentials } from '../../../shared/redis/endpoint.js';
import { CacheRestoreFailed } from '../../../shared/redis/errors.js';
import type { CacheRecoveryPlan } from '../../../shared/redis/recovery-run.js';
import type { CacheSeeded } from '../../../shared/redis/restore-run.js';
import type { Log } from '../../../shared/runtime/log.js';
import { isOwned, tagValue } from '../../../shared/tags.js';
import { recoverySeedRequest, type RestoreAuth } from './plan.js';

export interface RecoverySeedDeps {
  readonly policy: Policy;
  /** ElastiCache and Secrets Manager in the plan's region. */
  readonly elasticache: ElastiCacheClient;
  readonly secrets: SecretsManagerClient;
  readonly log: Log;
  readonly now: () => number;
}

/** Throttling is the state machine's to retry; every other refusal fails the recovery, saying why. */
const RETRIED = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException']);

export async function seedCacheRecovery(deps: RecoverySeedDeps, plan: CacheRecoveryPlan): Promise<CacheSeeded> {
  const cache = deps.policy.resources.caches.find((c) => c.name === plan.resource);
  if (cache === undefined) throw new ConfigurationError(`the plan names cache "${plan.resource}", which the policy no longer has`);
  const auth = await recoveryAuth(deps.secrets, cache, plan.userGroupId);
  const requestedAt = deps.now();
  try {
    await deps.elasticache.send(new CreateReplicationGroupCommand(recoverySeedRequest(deps.policy, plan, cache.validation, auth)));
    deps.log.info('cache recovery seeding', { runId: plan.runId, groupId: plan.groupId, from: plan.seed.kind, snapshotName: plan.snapshotName, nodes: plan.numCacheClusters });
    return { requestedAt, alreadyExisted: false };
  } catch (error) {
    if (errorName(error) === 'ReplicationGroupAlreadyExistsFault') {
      if (await isThisRecoverysGroup(deps, plan)) return { requestedAt, alreadyExisted: true };
      throw new CacheRestoreFailed(`a replication group named ${plan.groupId} exists and is not this recovery's: refusing to use it`, { cause: error });
    }
    if (RETRIED.has(errorName(error))) throw error;
    throw new CacheRestoreFailed(`ElastiCache refused to seed ${plan.groupId} from ${plan.snapshotName}: ${errorName(error)}: ${errorMessage(error)}`, { cause: error });
  }
}

async function isThisRecoverysGroup(deps: RecoverySeedDeps, plan: CacheRecoveryPlan): Promise<boolean> {
  const group = (await deps.elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: plan.groupId }))).ReplicationGroups?.[0];
  if (group?.ARN === undefined) return false;
  const tags = (await deps.elasticache.send(new ListTagsForResourceCommand({ ResourceName: group.ARN }))).TagList ?? [];
  return isOwned(tags, deps.policy.tags.owner, deps.policy.name) && tagValue(tags, TAG.recovery) === plan.runId;
}

/** The source's authentication: an AUTH token needs TLS; RBAC users need the policy's user group. */
async function recoveryAuth(secrets: SecretsManagerClient, cache: CacheResource, userGroupId: string | undefined): Promise<RestoreAuth> {
  if (userGroupId !== undefined) return { kind: 'user-group', userGroupId };
  const secretId = cache.validation.authSecret;
  if (secretId === undefined) return { kind: 'none' };
  const credentials = await cacheCredentials(secrets, secretId);
  if (credentials.username !== undefined) throw new ConfigurationError(`validation.authSecret ${secretId} names an RBAC user: set restoreTest.userGroupId to the user group the new group should join`);
  if (!cache.validation.tls) throw new ConfigurationError(`validation.authSecret ${secretId} is an AUTH token, which ElastiCache accepts only with in-transit encryption (validation.tls: true)`);
  return { kind: 'token', token: credentials.password ?? '' };
}
