// The live configuration (README, "Configuration"): the SSM parameters under a configuration's paths
// (recursive, decrypted) and its secrets — a name, or every secret whose name starts with a prefix ending
// in "/" — as the bundle holds them. The backup captures it; the restore test and a dry-run restore compare
// a bundle with it, by name only. When each value last changed (a parameter's LastModifiedDate, a secret
// version's CreatedDate) is kept beside it, not in it: the bundle's checksum is of the values only, and the
// restore test dates a change the bundle does not have yet with it.

import { GetSecretValueCommand, ListSecretsCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParametersByPathCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { ParameterEntry, SecretEntry } from './bundle.js';

export interface ConfiguredNames {
  readonly ssmParameterPaths: readonly string[];
  readonly secrets: readonly string[];
}

export interface LiveConfiguration {
  readonly parameters: Record<string, ParameterEntry>;
  readonly secrets: Record<string, SecretEntry>;
  /** When each value was last written (epoch ms), by name, where the service says so. */
  readonly changedAt: { readonly parameters: Record<string, number>; readonly secrets: Record<string, number> };
}

/** Every parameter under the paths and every secret named, read now. */
export async function readLiveConfiguration(ssm: SSMClient, client: SecretsManagerClient, configuration: ConfiguredNames): Promise<LiveConfiguration> {
  const parameters: Record<string, ParameterEntry> = {};
  const changedAt = { parameters: {} as Record<string, number>, secrets: {} as Record<string, number> };
  for (const path of configuration.ssmParameterPaths) Object.assign(parameters, await parametersUnder(ssm, path, changedAt.parameters));
  const secrets: Record<string, SecretEntry> = {};
  for (const name of configuration.secrets) Object.assign(secrets, await secretsNamed(client, name, changedAt.secrets));
  return { parameters, secrets, changedAt };
}

async function parametersUnder(ssm: SSMClient, path: string, changedAt: Record<string, number>): Promise<Record<string, ParameterEntry>> {
  const found: Record<string, ParameterEntry> = {};
  let token: string | undefined;
  do {
    const page = await ssm.send(new GetParametersByPathCommand({ Path: path, Recursive: true, WithDecryption: true, MaxResults: 10, ...(token === undefined ? {} : { NextToken: token }) }));
    for (const p of page.Parameters ?? []) {
      if (p.Name === undefined) continue;
      found[p.Name] = { type: (p.Type ?? 'String'), value: p.Value ?? '', version: p.Version ?? 0 };
      if (p.LastModifiedDate !== undefined) changedAt[p.Name] = p.LastModifiedDate.getTime();
    }
    token = page.NextToken;
  } while (token !== undefined);
  return found;
}

/** A secret by name, or every secret whose name starts with a prefix ending in "/". */
async function secretsNamed(client: SecretsManagerClient, name: string, changedAt: Record<string, number>): Promise<Record<string, SecretEntry>> {
  const names: string[] = [];
  if (name.endsWith('/')) {
    let token: string | undefined;
    do {
      const page = await client.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [name] }], MaxResults: 100, ...(token === undefined ? {} : { NextToken: token }) }));
      // The name filter matches by prefix, case-sensitively; keep exactly those under the prefix.
      for (const s of page.SecretList ?? []) if (s.Name?.startsWith(name) === true) names.push(s.Name);
      token = page.NextToken;
    } while (token !== undefined);
  } else names.push(name);
  const found: Record<string, SecretEntry> = {};
  for (const secretName of names) {
    const value = await client.send(new GetSecretValueCommand({ SecretId: secretName }));
    found[secretName] = { value: value.SecretString ?? Buffer.from(value.SecretBinary ?? new Uint8Array()).toString('base64'), versionId: value.VersionId ?? '' };
    if (value.CreatedDate !== undefined) changedAt[secretName] = value.CreatedDate.getTime();
  }
  return found;
}
