// Which KMS key a region role uses (the policy's, else the service's own stage-scoped key), and resolving
// key names (alias, id or ARN) to key ARNs, which is what RDS reports on a snapshot. Cached per
// container: a key's ARN never changes.

import { DescribeKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { serviceKeyAlias } from '../contracts.js';
import type { Policy } from '../policy/schema.js';

const resolved = new Map<string, string>();

export async function keyArn(kms: KMSClient, keyId: string): Promise<string> {
  if (/^arn:aws[a-z-]*:kms:[^:]+:\d{12}:key\//.test(keyId)) return keyId;
  const region = await kms.config.region();
  const cacheKey = `${region}|${keyId}`;
  const cached = resolved.get(cacheKey);
  if (cached !== undefined) return cached;
  const described = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
  const arn = described.KeyMetadata?.Arn;
  if (arn === undefined) throw new Error(`KMS DescribeKey returned no ARN for ${keyId}`);
  resolved.set(cacheKey, arn);
  return arn;
}

/** The key (alias, id or ARN) a region role encrypts with: the policy's, else the service's own key there. */
export function keyOf(policy: Policy, role: 'primary' | 'secondary', stage: string): string {
  return policy.kms[role] ?? serviceKeyAlias(stage);
}
