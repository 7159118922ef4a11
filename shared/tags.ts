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
 * The tags of what a restore test creates (a temporary instance or replication group): ours, this
 * policy's, of the resource, of this run (teardown and the janitor delete only what carries them), and
 * when the run was planned (the janitor's measure of a leak's age).
 */
export function restoreTestTags(policy: { readonly name: string; readonly tags: { readonly owner: string } }, run: { readonly resource: string; readonly runId: string; readonly plannedAt: number }): { Key: string; Value: string }[] {
  return toAwsTags({
    [policy.tags.owner]: OWNER_VALUE,
    [TAG.policy]: policy.name,
    [TAG.resource]: run.resource,
    [TAG.restoreTest]: run.runId,
    [TAG.createdAt]: new Date(run.plannedAt).toISOString(),
  });
}

/**
 * The tags of an instance a database-recovery creates: ours, this policy's, of the resource, of this run
 * and its execution, and when it was planned. No restore-test tag: the janitor must never delete it.
 */
export function recoveryTags(policy: { readonly name: string; readonly tags: { readonly owner: string } }, run: { readonly resource: string; readonly runId: string; readonly plannedAt: number; readonly execution: string }): { Key: string; Value: string }[] {
  return toAwsTags({
    [policy.tags.owner]: OWNER_VALUE,
    [TAG.policy]: policy.name,
    [TAG.resource]: run.resource,
    [TAG.recovery]: run.runId,
    // A tag value holds at most 256 characters; an execution ARN is far shorter.
    [TAG.recoveryExecution]: run.execution.slice(0, 256),
    [TAG.createdAt]: new Date(run.plannedAt).toISOString(),
  });
}

/**
 * A legal hold is read the safe way: the tag is present (its key compared without case), whatever its
 * value — `legal-hold=false` or `Legal-Hold=` still hold. Only removing the tag releases a snapshot.
 */
export function isUnderHold(tags: readonly AwsTag[] | undefined, holdKey: string): boolean {
  const wanted = holdKey.toLowerCase();
  return (tags ?? []).some((t) => t.Key?.toLowerCase() === wanted);
}
