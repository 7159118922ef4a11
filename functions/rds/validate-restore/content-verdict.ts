// The content verdict, pure: a restored table's bucket hashes against the ones captured just before and
// just after the snapshot. A bucket equal in both captures ("unchanged") must come back equal; one that
// differs between them ("changing": written to while the snapshot was taken) may come back in either
// state or one in between, and is only counted. An append-only table may not differ in any bucket; any
// other table in no more than `tolerance` of its unchanged buckets — more than half is a wholesale change.

import type { BucketHash, TableContent } from '../../../shared/rds/postgres/types.js';

/** What hashing the restored table gave. */
export type RestoredContent =
  | { readonly kind: 'buckets'; readonly hashes: Readonly<Record<string, BucketHash>>; readonly complete: boolean }
  | { readonly kind: 'whole'; readonly hash: BucketHash }
  | { readonly kind: 'missing' }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'out-of-time' }
  /** Not hashed: nothing was captured to compare it with. */
  | { readonly kind: 'not-hashed' };

export interface TableContentInput {
  readonly table: string;
  readonly appendOnly: boolean;
  readonly tolerance: number;
  /** The table's content in the capture before the snapshot / after it (null: that capture has none for it). */
  readonly before: TableContent | null;
  readonly after: TableContent | null;
  /** Whether there is a capture after the snapshot at all (without one, every bucket is judged as unchanged). */
  readonly bracketed: boolean;
  readonly restored: RestoredContent;
}

export interface TableContentVerdict {
  readonly table: string;
  readonly status: 'passed' | 'failed' | 'inconclusive' | 'not-compared';
  readonly detail: string;
  readonly appendOnly: boolean;
  /** Buckets compared; of those, unchanged between the captures; of those, differing in the restore. */
  readonly compared: number;
  readonly unchanged: number;
  readonly differing: number;
  /** Buckets that changed while the snapshot was taken, and of those, the ones whose restored state is neither capture's. */
  readonly changing: number;
  readonly changingElsewhere: number;
  /** Worth knowing without deciding (an append-only table written to in place while the snapshot was taken). */
  readonly warning?: string;
}

const percent = (ratio: number) => `${Number((ratio * 100).toFixed(1))} %`;

/** "keys [1001, 1079)" — the bucket's range of the first key column, as captured. */
export function bucketRange(layout: Extract<TableContent, { mode: 'key' }>, bucket: number): string {
  const lower = layout.bounds[bucket];
  const upper = layout.bounds[bucket + 1];
  return upper === undefined ? `${layout.column} [${lower}, ${layout.max}]` : `${layout.column} [${lower}, ${upper})`;
}

interface Comparison {
  readonly label: string;
  readonly before: BucketHash;
  readonly after: BucketHash;
  readonly restored: BucketHash;
}

function verdict(input: TableContentInput, comparisons: readonly Comparison[], notes: readonly string[]): TableContentVerdict {
  const base = { table: input.table, appendOnly: input.appendOnly };
  const unchanged = comparisons.filter((c) => c.before.hash === c.after.hash);
  const differing = unchanged.filter((c) => c.restored.hash !== c.before.hash);
  const changing = comparisons.filter((c) => c.before.hash !== c.after.hash);
  const elsewhere = changing.filter((c) => c.restored.hash !== c.before.hash && c.restored.hash !== c.after.hash);
  const counts = { compared: comparisons.length, unchanged: unchanged.length, differing: differing.length, changing: changing.length, changingElsewhere: elsewhere.length };
  const warning =
    input.appendOnly && changing.length > 0
      ? `content: append-only table ${input.table} changed in ${changing.length} bucket(s) of rows it already had while the snapshot was taken (is it really append-only?)`
      : undefined;
  const extra = { ...(warning === undefined ? {} : { warning }) };
  const listed = differing.slice(0, 5).map((c) => `${c.label} (${c.before.rows} rows captured, ${c.restored.rows} restored)`);
  const more = differing.length > listed.length ? `, and ${differing.length - listed.length} more` : '';
  const changingNote = changing.length === 0 ? '' : `; ${changing.length} changed while the snapshot was taken (not judged)`;
  const noteText = notes.length === 0 ? '' : `; ${notes.join('; ')}`;
  if (comparisons.length === 0) {
    return { ...base, ...counts, ...extra, status: input.appendOnly ? 'inconclusive' : 'not-compared', detail: `${input.table}: no bucket compared${noteText}` };
  }
  const share = unchanged.length === 0 ? 0 : differing.length / unchanged.length;
  if (input.appendOnly && differing.length > 0) {
    return { ...base, ...counts, ...extra, status: 'failed', detail: `${input.table} (append-only): ${differing.length} of ${unchanged.length} buckets of captured rows differ: ${listed.join('; ')}${more}` };
  }
  if (!input.appendOnly && differing.length > 0 && share > input.tolerance) {
    const wholesale = share > 0.5 ? ': a wholesale change' : '';
    return {
      ...base,
      ...counts,
      ...extra,
      status: 'failed',
      detail: `${input.table}: ${differing.length} of ${unchanged.length} unchanged buckets differ (${percent(share)}, tolerance ${percent(input.tolerance)})${wholesale}: ${listed.join('; ')}${more}`,
    };
  }
  const within = differing.length > 0 ? `, ${differing.length} differing within the tolerance of ${percent(input.tolerance)}` : '';
  const partial = input.appendOnly && notes.length > 0;
  return {
    ...base,
    ...counts,
    ...extra,
    status: partial ? 'inconclusive' : 'passed',
    detail: `${input.table}${input.appendOnly ? ' (append-only)' : ''}: ${unchanged.length - differing.length} of ${unchanged.length} unchanged buckets match${within}${changingNote}${noteText}`,
  };
}

/** Judges one table's restored content against the captures around the snapshot. */
export function judgeTableContent(input: TableContentInput): TableContentVerdict {
  const empty = { table: input.table, appendOnly: input.appendOnly, compared: 0, unchanged: 0, differing: 0, changing: 0, changingElsewhere: 0 };
  const reference = input.before ?? input.after;
  const notCompared = (detail: string): TableContentVerdict => ({ ...empty, status: input.appendOnly ? 'inconclusive' : 'not-compared', detail: `${input.table}: ${detail}` });
  if (reference === null) return notCompared('no content fingerprint was captured');
  if (reference.mode === 'none') return notCompared(`not fingerprinted: ${reference.reason}`);
  if (input.restored.kind === 'missing') return { ...empty, status: 'failed', detail: `${input.table} is missing from the restore` };
  if (input.restored.kind === 'error') return { ...empty, status: 'failed', detail: `${input.table} could not be hashed on the restore: ${input.restored.message}` };
  if (input.restored.kind === 'out-of-time') return notCompared('not compared: the time budget (validation.content.timeBudget) ran out');
  if (input.restored.kind === 'not-hashed') return notCompared('not hashed on the restore');
  // The capture after the snapshot, when there are two (null: judge against the one there is; undefined:
  // it did not fingerprint the table the same way).
  const degenerate = input.before === null || !input.bracketed;
  const otherOf = <M extends TableContent['mode']>(mode: M): Extract<TableContent, { mode: M }> | null | undefined =>
    degenerate ? null : input.after !== null && input.after.mode === mode ? (input.after as Extract<TableContent, { mode: M }>) : undefined;
  if (reference.mode === 'whole') {
    if (input.restored.kind !== 'whole') return notCompared('hashed differently on the restore');
    const second = otherOf('whole');
    if (second === undefined) return notCompared('not fingerprinted by the capture after the snapshot');
    const after = second === null ? reference : second;
    return verdict(input, [{ label: 'the whole table', before: reference, after, restored: input.restored.hash }], []);
  }
  if (input.restored.kind !== 'buckets') return notCompared('hashed differently on the restore');
  const second = otherOf('key');
  const comparisons: Comparison[] = [];
  const notes: string[] = [];
  let notHashedAfter = 0;
  let notHashedBefore = 0;
  let notHashedRestored = 0;
  for (const bucket of reference.sample) {
    const before = reference.buckets[String(bucket)];
    const after = second === null ? before : second?.buckets[String(bucket)];
    const restored = input.restored.hashes[String(bucket)];
    if (before === undefined) notHashedBefore += 1;
    else if (after === undefined) notHashedAfter += 1;
    else if (restored === undefined) notHashedRestored += 1;
    else comparisons.push({ label: bucketRange(reference, bucket), before, after, restored });
  }
  if (notHashedBefore > 0) notes.push(`${notHashedBefore} sampled bucket(s) not hashed at capture (time budget)`);
  if (notHashedAfter > 0) notes.push(`${notHashedAfter} not hashed after the snapshot`);
  if (notHashedRestored > 0) notes.push(`${notHashedRestored} not hashed on the restore (time budget)`);
  return verdict(input, comparisons, notes);
}
