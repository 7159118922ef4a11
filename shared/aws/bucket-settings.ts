// S3 bucket settings as the posture checks read and judge them, whatever the bucket (media buckets,
// cache export buckets): a setting read as its value, absent (S3's "not configured" error for it) or
// unreadable (the error's name); the public access block all on; bucket-owner-enforced object ownership;
// a replication rule's reach; and a bucket policy's statements — the TLS-only deny, and who is allowed
// which action on what (IAM's wildcards: `*` and `?`, actions case-insensitive, ARNs case-sensitive).

import type { OwnershipControls, PublicAccessBlockConfiguration } from '@aws-sdk/client-s3';
import { errorName } from '../errors.js';

/** A setting as read: its value, absent ("not configured": S3's error for it), or unreadable (the error's name). */
export type Reading<T> = { readonly value: T } | { readonly absent: string } | { readonly unreadable: string };

/** S3's error when a setting was never configured, per setting (GetBucketVersioning answers an empty Status instead). */
export const S3_NOT_CONFIGURED = {
  replication: 'ReplicationConfigurationNotFoundError',
  lifecycle: 'NoSuchLifecycleConfiguration',
  encryption: 'ServerSideEncryptionConfigurationNotFoundError',
  publicAccess: 'NoSuchPublicAccessBlockConfiguration',
  ownership: 'OwnershipControlsNotFoundError',
  policy: 'NoSuchBucketPolicy',
} as const;

/** One read: S3's "not configured" error for it is an absent setting, any other error leaves it unreadable. */
export async function readSetting<T>(call: () => Promise<T>, notConfigured?: string): Promise<Reading<T>> {
  try {
    return { value: await call() };
  } catch (error) {
    const name = errorName(error);
    if (notConfigured !== undefined && name === notConfigured) return { absent: name };
    return { unreadable: name };
  }
}

export function publicAccessProblem(config: PublicAccessBlockConfiguration): string | null {
  const off = (['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const).filter((k) => config[k] !== true);
  return off.length === 0 ? null : `public access block off: ${off.join(', ')}`;
}

export function ownershipProblem(config: OwnershipControls): string | null {
  const ownership = config.Rules?.[0]?.ObjectOwnership;
  return ownership === 'BucketOwnerEnforced' ? null : `object ownership is ${ownership ?? 'unset'}, not BucketOwnerEnforced (ACLs still apply)`;
}

/** Whole-bucket rules (replication, lifecycle): no prefix and no filter narrower than the bucket. */
export const wholeBucket = (rule: { Prefix?: string | undefined; Filter?: unknown }): boolean => {
  if ((rule.Prefix ?? '') !== '') return false;
  const filter = rule.Filter as { Prefix?: string; Tag?: unknown; And?: unknown; ObjectSizeGreaterThan?: unknown; ObjectSizeLessThan?: unknown } | undefined;
  if (filter === undefined) return true;
  return (filter.Prefix ?? '') === '' && filter.Tag === undefined && filter.And === undefined && filter.ObjectSizeGreaterThan === undefined && filter.ObjectSizeLessThan === undefined;
};

/** A replication destination (an ARN, or a bare name) that is `bucket`. */
export const namesBucket = (arn: string | undefined, bucket: string): boolean => arn === bucket || (arn?.endsWith(`:::${bucket}`) ?? false);

export const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);

export type PolicyStatement = Readonly<Record<string, unknown>>;

/** The statements of a bucket policy as GetBucketPolicy returns it (JSON text), or null when it is not JSON. */
export function policyStatements(text: string): PolicyStatement[] | null {
  let document: { Statement?: unknown };
  try {
    document = JSON.parse(text) as { Statement?: unknown };
  } catch {
    return null;
  }
  return asList(document?.Statement).filter((s): s is PolicyStatement => s !== null && typeof s === 'object');
}

const wildcard = (pattern: string, flags: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, flags);
/** An IAM action pattern ("s3:Get*", "*") matching an action; actions are case-insensitive. */
export const actionMatches = (pattern: string, action: string): boolean => wildcard(pattern, 'i').test(action);
/** An IAM resource pattern matching an ARN. */
export const resourceMatches = (pattern: string, arn: string): boolean => wildcard(pattern, '').test(arn);

/** A statement denying every S3 action to everyone when aws:SecureTransport is false, on the bucket and its objects. */
export function deniesWithoutTls(statement: PolicyStatement, bucket: string): boolean {
  if (statement.Effect !== 'Deny') return false;
  const principal = statement.Principal;
  const everyone = principal === '*' || asList((principal as { AWS?: unknown } | undefined)?.AWS).includes('*');
  const actions = asList(statement.Action);
  const condition = (statement.Condition as { Bool?: Record<string, unknown> } | undefined)?.Bool?.['aws:SecureTransport'];
  const insecure = asList(condition).some((v) => v === false || v === 'false');
  const resources = asList(statement.Resource).map(String);
  const covers = (suffix: string) => resources.some((r) => r === '*' || r.endsWith(`:::${bucket}${suffix}`) || r === `arn:aws:s3:::${bucket}${suffix}`);
  return everyone && (actions.includes('s3:*') || actions.includes('*')) && insecure && covers('') && covers('/*');
}
