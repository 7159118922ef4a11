// The content check: hashes the restored tables in PostgreSQL with the bucket layout captured before the
// snapshot (the same rows, key ranges and sample) and judges them against the captures before and after
// it (content-verdict.ts), append-only tables first, within the policy's time budget. A table that
// cannot be hashed on the restore (missing, retyped key, a lock past the statement timeout) fails alone;
// the others are still compared.

import { hashBuckets, hashWhole, tableName } from '../../../shared/rds/postgres/content-fingerprint.js';
import { describeFault, isDatabaseFault } from '../../../shared/rds/postgres/connection.js';
import type { ContentFingerprint, TableContent, ValidationConfig } from '../../../shared/rds/postgres/types.js';
import type { RestoreKind } from '../../../shared/rds/restore-run.js';
import type { CheckContext } from './checks.js';
import { judgeTableContent, type RestoredContent, type TableContentVerdict } from './content-verdict.js';
import type { CheckOutcome } from './types.js';

export const contentExemption = (_config: ValidationConfig, kind: RestoreKind): string | null =>
  kind === 'pitr' ? 'not applicable to a point-in-time restore: content is fingerprinted only with snapshots' : null;

/** How many tables a detail names before "… and N more" (the report has them all). */
const LISTED_TABLES = 5;

/** The rows a keyed table had in its hashed buckets when captured (what picks the hashing method). */
function capturedRows(content: Extract<TableContent, { mode: 'key' }>): number {
  const hashed = Object.values(content.buckets);
  const perBucket = hashed.reduce((n, b) => n + b.rows, 0) / Math.max(1, hashed.length);
  return Math.round(perBucket * content.bounds.length);
}

/** The restored table hashed the way the capture did, or why it could not be. */
async function hashRestored(ctx: CheckContext, table: string, reference: TableContent, deadline: { now: () => number; at: number }): Promise<RestoredContent> {
  if (reference.mode === 'none') return { kind: 'not-hashed' };
  if (!(await ctx.restoredTables()).has(table)) return { kind: 'missing' };
  if (ctx.now() >= deadline.at) return { kind: 'out-of-time' };
  try {
    if (reference.mode === 'whole') return { kind: 'whole', hash: await hashWhole(ctx.restored.client, tableName(table)) };
    const { hashes, complete } = await hashBuckets(ctx.restored.client, table, reference, reference.sample, deadline, capturedRows(reference));
    return { kind: 'buckets', hashes, complete };
  } catch (error) {
    if (!isDatabaseFault(error) || !ctx.restored.alive()) throw error;
    return { kind: 'error', message: describeFault(error) };
  }
}

function listed(verdicts: readonly TableContentVerdict[]): string {
  const shown = verdicts.slice(0, LISTED_TABLES).map((v) => v.detail);
  return `${shown.join('; ')}${verdicts.length > shown.length ? `; and ${verdicts.length - shown.length} more (in the report)` : ''}`;
}

function outcomeOf(verdicts: readonly TableContentVerdict[], against: string): CheckOutcome {
  const observed = { tables: verdicts };
  const failedTables = verdicts.filter((v) => v.status === 'failed');
  const unproven = verdicts.filter((v) => v.status === 'inconclusive');
  const compared = verdicts.filter((v) => v.compared > 0);
  const skipped = verdicts.filter((v) => v.status === 'not-compared');
  if (failedTables.length > 0) return { status: 'failed', detail: `${failedTables.length} of ${verdicts.length} tables differ from the content captured ${against}: ${listed(failedTables)}`, observed };
  if (unproven.length > 0) return { status: 'inconclusive', detail: `${unproven.length} append-only table(s) could not be compared in full: ${listed(unproven)}`, observed };
  if (compared.length === 0) return { status: 'inconclusive', detail: `no table could be compared with the content captured ${against}: ${listed(verdicts)}`, observed };
  const buckets = compared.reduce((n, v) => n + v.compared, 0);
  const changing = compared.reduce((n, v) => n + v.changing, 0);
  const notCompared = skipped.length === 0 ? '' : `; ${skipped.length} not compared: ${listed(skipped)}`;
  return {
    status: 'passed',
    detail: `${compared.length} tables match the content captured ${against} (${buckets} buckets${changing === 0 ? '' : `, ${changing} changed while the snapshot was taken`})${notCompared}`,
    observed,
  };
}

/** The tables to compare: the fingerprinted ones (those the policy names, when it names some), append-only first. */
function tablesToCompare(config: ValidationConfig, reference: ContentFingerprint): string[] {
  const named = new Set(config.tables);
  const appendOnly = new Set(config.appendOnly);
  const keys = [...new Set([...Object.keys(reference.tables), ...config.appendOnly])].filter((key) => named.size === 0 || named.has(key) || appendOnly.has(key));
  return keys.sort((a, b) => Number(appendOnly.has(b)) - Number(appendOnly.has(a)) || (a < b ? -1 : a > b ? 1 : 0));
}

export async function checkContent(ctx: CheckContext): Promise<CheckOutcome> {
  const { before, after } = ctx.bracket;
  if (ctx.manifest === null) return { status: 'inconclusive', detail: 'content is compared with the fingerprints captured with the snapshot, and no manifest was captured with this snapshot' };
  const reference = before?.content ?? after?.content;
  if (reference === undefined) return { status: 'inconclusive', detail: `the manifest captured at ${new Date(ctx.manifest.capturedAt).toISOString()} has no content fingerprints (captured before they existed): nothing to compare` };
  const bracketed = before !== null && after !== null && before.content !== undefined && after.content !== undefined;
  const deadline = { now: ctx.now, at: ctx.now() + ctx.config.content.timeBudget };
  const appendOnly = new Set(ctx.config.appendOnly);
  const verdicts: TableContentVerdict[] = [];
  for (const table of tablesToCompare(ctx.config, reference)) {
    const beforeContent = before?.content?.tables[table] ?? null;
    const afterContent = after?.content?.tables[table] ?? null;
    if (bracketed && (beforeContent === null) !== (afterContent === null)) {
      const detail = `${table}: ${beforeContent === null ? 'created' : 'dropped'} while the snapshot was taken: not compared`;
      verdicts.push({ table, status: 'not-compared', detail, appendOnly: appendOnly.has(table), compared: 0, unchanged: 0, differing: 0, changing: 0, changingElsewhere: 0 });
      continue;
    }
    const captured = beforeContent ?? afterContent;
    const restored: RestoredContent = captured === null ? { kind: 'not-hashed' } : await hashRestored(ctx, table, captured, deadline);
    const verdict = judgeTableContent({ table, appendOnly: appendOnly.has(table), tolerance: ctx.config.content.tolerance, before: beforeContent, after: afterContent, bracketed, restored });
    if (verdict.warning !== undefined) ctx.facts.warnings.push(verdict.warning);
    verdicts.push(verdict);
  }
  return outcomeOf(verdicts, bracketed ? 'before and after the snapshot' : `at ${new Date(ctx.manifest.capturedAt).toISOString()}`);
}
