// The tags everything we create carries, and conversions between AWS key/value tags and the plain
// strings the retention engine matches ("key=value", or "key" when the value is empty).

export const TAG = {
  owner: 'backup-dr:owner',
  policy: 'backup-dr:policy',
  resource: 'backup-dr:resource',
  sourceArn: 'backup-dr:source-arn',
  createdAt: 'backup-dr:created-at',
  scheduledAt: 'backup-dr:scheduled-at',
  tier: 'backup-dr:tier',
  copyOf: 'backup-dr:copy-of',
  verifiedAt: 'backup-dr:verified-at',
  copyStartedAt: 'backup-dr:copy-started-at',
} as const;

/** The value of the ownership tag: the system's name; the policy tag says which policy. */
export const OWNER_VALUE = 'backup-dr';

export interface AwsTag {
  Key?: string | undefined;
  Value?: string | undefined;
}

export function tagValue(tags: readonly AwsTag[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}

export function tagStrings(tags: readonly AwsTag[] | undefined): string[] {
  return (tags ?? []).flatMap((t) => (t.Key === undefined ? [] : [t.Value === undefined || t.Value === '' ? t.Key : `${t.Key}=${t.Value}`]));
}

/** Ours = carries the owner tag with our value and the policy tag with this policy's name. */
export function isOwned(tags: readonly AwsTag[] | undefined, ownerKey: string, policyName: string): boolean {
  return tagValue(tags, ownerKey) === OWNER_VALUE && tagValue(tags, TAG.policy) === policyName;
}

export function toAwsTags(record: Readonly<Record<string, string>>): { Key: string; Value: string }[] {
  return Object.entries(record).map(([Key, Value]) => ({ Key, Value }));
}

/** Set on a copy whose verification failed (ISO time): it is alerted once, not on every run. */
export const VERIFICATION_FAILED_TAG = 'backup-dr:verification-failed';
