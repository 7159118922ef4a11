// Database credentials from Secrets Manager: the secret's JSON {username, password} (the shape RDS
// and Secrets Manager rotation use). The values go straight into a connection; they are never logged.

import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigurationError } from '../errors.js';

export interface DbCredentials {
  readonly username: string;
  readonly password: string;
}

export async function dbCredentials(secrets: SecretsManagerClient, secretId: string): Promise<DbCredentials> {
  const value = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.SecretString ?? '');
  } catch {
    throw new ConfigurationError(`secret ${secretId} is not JSON with "username" and "password"`);
  }
  const { username, password } = (parsed ?? {}) as Record<string, unknown>;
  if (typeof username !== 'string' || typeof password !== 'string') {
    throw new ConfigurationError(`secret ${secretId} lacks a "username" or "password" string`);
  }
  return { username, password };
}

/** How restore tests reach databases over TLS: "verify" (CA-checked), "require" (encrypted), "off". */
export function tlsSetting(value: string | undefined): boolean | { rejectUnauthorized: boolean } {
  if (value === 'off') return false;
  if (value === 'verify') return { rejectUnauthorized: true };
  return { rejectUnauthorized: false };
}
