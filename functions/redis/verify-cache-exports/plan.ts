// What verify-cache-exports does with one exported .rdb object in its region, decided from what S3 said
// about it and about its counterpart in the other region (HEAD with checksum mode): nothing (verified or
// failed and alerted already), wait (not replicated yet, within Replication Time Control's 15 minutes),
// fail (the two copies disagree), or read it through the RDB integrity check. Pure.

import { markFits } from '../../../shared/redis/exports.js';

/** An S3 object as HeadObject (ChecksumMode ENABLED) and GetObjectTagging describe it. */
export interface ObjectFacts {
  readonly size: number;
  /** The checksum S3 stores, when it stores one: algorithm ("CRC64NVME", "SHA256" …), value, and FULL_OBJECT or COMPOSITE. */
  readonly checksum: { readonly algorithm: string; readonly value: string; readonly type?: string } | null;
  readonly etag: string | null;
  readonly lastModified: number;
  /** The object's current version (the buckets are versioned); null when S3 gave none. */
  readonly versionId: string | null;
  readonly tags: Readonly<Record<string, string>>;
}

export type ExportDecision =
  | { readonly action: 'skip'; readonly reason: string }
  | { readonly action: 'wait'; readonly reason: string }
  | { readonly action: 'fail'; readonly problems: readonly string[] }
  /** Both copies agree (or the other is gone, `note` says why): read this one through the integrity check. */
  | { readonly action: 'check-content'; readonly compared: string; readonly note?: string };

export interface DecideInput {
  readonly own: ObjectFacts;
  /** The same key in the other region's bucket; null when it is not there. */
  readonly counterpart: ObjectFacts | null;
  readonly role: 'primary' | 'secondary';
  readonly region: string;
  readonly otherRegion: string;
  /** Tag keys this region marks the object with (shared/contracts.ts EXPORT_TAG). */
  readonly verifiedTag: string;
  readonly failedTag: string;
  readonly now: number;
  /** How long a new export may be missing from the secondary before that is a failure. */
  readonly replicationGraceMs: number;
}

export function decideExport(input: DecideInput): ExportDecision {
  const { own, counterpart } = input;
  const mark = own.tags[input.verifiedTag];
  if (mark !== undefined && markFits(mark, own.versionId)) return { action: 'skip', reason: `verified already (${mark})` };
  if (own.tags[input.failedTag] !== undefined) return { action: 'skip', reason: `failed already and alerted (${own.tags[input.failedTag]})` };
  if (counterpart === null) {
    // A replica whose source is gone (pruned) is still checked for what it is.
    if (input.role === 'secondary') return { action: 'check-content', compared: 'nothing', note: `no longer in ${input.otherRegion} (pruned there): checked on its own` };
    const age = input.now - own.lastModified;
    if (age < input.replicationGraceMs) return { action: 'wait', reason: `not in ${input.otherRegion} yet, ${Math.round(age / 60_000)} min after it was written` };
    return { action: 'fail', problems: [`missing in ${input.otherRegion} ${Math.round(age / 60_000)} min after it was written (replication is to deliver within ${Math.round(input.replicationGraceMs / 60_000)} min)`] };
  }
  const problems: string[] = [];
  if (own.size !== counterpart.size) problems.push(`${own.size} bytes in ${input.region}, ${counterpart.size} in ${input.otherRegion}`);
  const compared = compare(own, counterpart, input, problems);
  return problems.length > 0 ? { action: 'fail', problems } : { action: 'check-content', compared };
}

/** Compares what the two copies' S3 metadata can prove equal; says what that was. */
function compare(own: ObjectFacts, other: ObjectFacts, input: DecideInput, problems: string[]): string {
  if (own.checksum !== null && other.checksum !== null && own.checksum.algorithm === other.checksum.algorithm) {
    if (own.checksum.value !== other.checksum.value) {
      problems.push(`${own.checksum.algorithm} checksum ${own.checksum.value} in ${input.region}, ${other.checksum.value} in ${input.otherRegion}`);
    }
    return `size and ${own.checksum.algorithm} checksum`;
  }
  // Replication copies an object as it is, ETag included: without a common checksum the ETags must agree.
  if (own.etag !== null && other.etag !== null) {
    if (own.etag !== other.etag) problems.push(`ETag ${own.etag} in ${input.region}, ${other.etag} in ${input.otherRegion} (no checksum stored to compare)`);
    return 'size and ETag (no checksum stored)';
  }
  return 'size only (no checksum or ETag to compare)';
}
