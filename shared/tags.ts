// Conversions between AWS key/value tags and what the cores work with: one tag's value, the plain
// strings the retention engine matches ("key=value", or "key" when the value is empty), and ownership.
// The tag keys themselves are naming contracts (shared/contracts.ts).

import { OWNER_VALUE, TAG } from './contracts.js';

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

/**
 * A legal hold is read the safe way: the tag is present (its key compared without case), whatever its
 * value — `legal-hold=false` or `Legal-Hold=` still hold. Only removing the tag releases a snapshot.
 */
export function isUnderHold(tags: readonly AwsTag[] | undefined, holdKey: string): boolean {
  const wanted = holdKey.toLowerCase();
  return (tags ?? []).some((t) => t.Key?.toLowerCase() === wanted);
}
