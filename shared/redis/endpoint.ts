// How to reach a replication group to read it (the manifest at snapshot time, later a restore): its
// reader endpoint when it has replicas (the snapshot is taken from a replica too, and reads there do not
// load the primary), else its primary endpoint; the AUTH token or RBAC user from Secrets Manager. A
// cluster-mode group spreads its keys over shards that one connection does not see: refused, by name.

import type { ReplicationGroup } from '@aws-sdk/client-elasticache';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigurationError } from '../errors.js';
import type { CacheValidation } from '../policy/schema.js';
import type { RedisEndpoint } from './types.js';

export type GroupAddress = { readonly host: string; readonly port: number; readonly via: 'reader' | 'primary' } | { readonly refused: string };

export function groupAddress(group: ReplicationGroup): GroupAddress {
  const id = group.ReplicationGroupId ?? '(unnamed)';
  if (group.ClusterEnabled === true) return { refused: `replication group ${id} runs in cluster mode: its manifest needs a connection per shard, which is not built yet` };
  const nodeGroup = group.NodeGroups?.[0];
  const hasReplica = (nodeGroup?.NodeGroupMembers ?? []).some((m) => m.CurrentRole === 'replica');
  const reader = nodeGroup?.ReaderEndpoint;
  const primary = nodeGroup?.PrimaryEndpoint;
  if (hasReplica && reader?.Address !== undefined && reader.Port !== undefined) return { host: reader.Address, port: reader.Port, via: 'reader' };
  if (primary?.Address !== undefined && primary.Port !== undefined) return { host: primary.Address, port: primary.Port, via: 'primary' };
  return { refused: `replication group ${id} reports no endpoint (is it available?)` };
}

/**
 * The credentials in `authSecret`: a plain AUTH token, or JSON {"username", "password"} for an RBAC user
 * ({"password"} alone for the token). They go straight into the connection and are never logged.
 */
export async function cacheCredentials(secrets: SecretsManagerClient, secretId: string): Promise<Pick<RedisEndpoint, 'username' | 'password'>> {
  const text = (await secrets.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  if (text === undefined || text === '') throw new ConfigurationError(`secret ${secretId} has no string value`);
  if (!text.trimStart().startsWith('{')) return { password: text };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigurationError(`secret ${secretId} starts like JSON but is not JSON`);
  }
  const { username, password } = (parsed ?? {}) as Record<string, unknown>;
  if (typeof password !== 'string') throw new ConfigurationError(`secret ${secretId} lacks a "password" string`);
  if (username !== undefined && typeof username !== 'string') throw new ConfigurationError(`secret ${secretId} has a "username" that is not a string`);
  return { ...(username === undefined ? {} : { username }), password };
}

/** The endpoint to connect to, with TLS as the policy says and the credentials when it names a secret. */
export async function endpointFor(address: { host: string; port: number }, validation: Pick<CacheValidation, 'tls' | 'authSecret'>, secrets: SecretsManagerClient): Promise<RedisEndpoint> {
  const credentials = validation.authSecret === undefined ? {} : await cacheCredentials(secrets, validation.authSecret);
  return { host: address.host, port: address.port, tls: validation.tls, ...credentials };
}
