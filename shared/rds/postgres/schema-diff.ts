// Compares a database's schema fingerprint with the fingerprints captured just before and just after a
// snapshot, as sets of objects, property by property. Pure. What was the same in both captures must be
// the same in the restore; what changed between them (DDL while the snapshot was taken) may show either
// state, or one in between, and is only reported; a sequence may be ahead of what was captured, never
// behind. Objects of a missing table are not listed again: the table's absence says it.

import type { SchemaFingerprint } from './types.js';

export interface SchemaDifference {
  /** The object, "<kind> <name>" as the fingerprint keys it. */
  readonly object: string;
  readonly change: 'missing' | 'unexpected' | 'changed' | 'behind';
  readonly property?: string;
  readonly expected?: string;
  readonly observed?: string;
  /** One line for a person: "index public.orders_customer_idx missing", "column public.orders.total: type numeric(10,2) → integer". */
  readonly text: string;
}

export interface SchemaComparison {
  /** What the restore gets wrong. */
  readonly differences: SchemaDifference[];
  /** Objects that changed between the two captures (judged leniently). */
  readonly changing: string[];
  /** Objects missing only because their table is (not listed in `differences`). */
  readonly impliedByMissingTables: number;
  /** Objects compared (the union of the captures). */
  readonly compared: number;
}

export interface SchemaComparisonOptions {
  /** Objects the restore may have that no capture had (e.g. the amcheck extension validate-restore installs). */
  readonly mayAdd?: (object: string) => boolean;
  /** Compare only these objects (e.g. those of the tables a policy names); `props` as captured (or restored). */
  readonly only?: (object: string, props: Readonly<Record<string, string>> | undefined) => boolean;
}

const DIGEST = /^[0-9a-f]{32}$/;
const show = (value: string | undefined) => (value === undefined ? '(none)' : value);

/** The table ("schema.table") an object belongs to, when it belongs to one. */
export function tableOf(object: string, props: Readonly<Record<string, string>> | undefined): string | null {
  const space = object.indexOf(' ');
  const kind = object.slice(0, space);
  const name = object.slice(space + 1);
  if (kind === 'table') return name;
  if (kind === 'index') return props?.table ?? null;
  if (kind === 'column' || kind === 'constraint' || kind === 'trigger' || kind === 'policy' || kind === 'rule') {
    const last = name.lastIndexOf('.');
    return last < 0 ? null : name.slice(0, last);
  }
  return null;
}

function describeChange(object: string, property: string, expected: string | undefined, observed: string | undefined): string {
  if (property === 'definition' && ((expected !== undefined && DIGEST.test(expected)) || (observed !== undefined && DIGEST.test(observed)))) {
    return `${object}: definition ${observed === undefined ? 'missing' : 'changed'}`;
  }
  return `${object}: ${property} ${show(expected)} → ${show(observed)}`;
}

/** A sequence's value, "ahead is fine": the restored value must not be behind the captured one, in the sequence's direction. */
function sequenceBehind(captured: string | undefined, restored: string | undefined, definition: string | undefined): boolean {
  if (captured === undefined || captured === 'unused' || captured === 'unreadable' || restored === 'unreadable') return false;
  if (restored === undefined || restored === 'unused') return true;
  const descending = / increment -/.test(definition ?? '');
  const [c, r] = [BigInt(captured), BigInt(restored)];
  return descending ? r > c : r < c;
}

/**
 * The differences between the restore's fingerprint and the captured ones (`before`, `after`: either may
 * be null, not both). `changing` lists objects that differ between the captures.
 */
export function compareSchema(before: SchemaFingerprint | null, after: SchemaFingerprint | null, restored: SchemaFingerprint, options: SchemaComparisonOptions = {}): SchemaComparison {
  const b = (before ?? after)?.objects ?? {};
  const a = (after ?? before)?.objects ?? {};
  const r = restored.objects;
  const only = (key: string) => options.only?.(key, b[key] ?? a[key] ?? r[key]) ?? true;
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter(only).sort();
  const differences: SchemaDifference[] = [];
  const changing = new Set<string>();
  const missingTables = new Set<string>();
  for (const key of keys) {
    const inBefore = b[key];
    const inAfter = a[key];
    const got = r[key];
    if (inBefore === undefined || inAfter === undefined) {
      // Created or dropped while the snapshot was taken: the restore may show it or not.
      changing.add(key);
      continue;
    }
    if (got === undefined) {
      differences.push({ object: key, change: 'missing', text: `${key} missing` });
      if (key.startsWith('table ')) missingTables.add(key.slice('table '.length));
      continue;
    }
    for (const property of [...new Set([...Object.keys(inBefore), ...Object.keys(inAfter)])].sort()) {
      const [x, y, z] = [inBefore[property], inAfter[property], got[property]];
      if (key.startsWith('sequence ') && property === 'value') {
        // Only a capture before the snapshot bounds a value from below; crash recovery (how a snapshot
        // restores) resets an unlogged sequence.
        if (before !== null && inBefore.persistence !== 'unlogged' && sequenceBehind(x, z, got.definition ?? inBefore.definition)) {
          differences.push({ object: key, change: 'behind', property, expected: show(x), observed: show(z), text: `${key}: value ${show(z)} is behind the captured ${show(x)} (reset?)` });
        }
        continue;
      }
      if (x === y) {
        if (z !== x) differences.push({ object: key, change: 'changed', property, expected: show(x), observed: show(z), text: describeChange(key, property, x, z) });
      } else {
        changing.add(key);
      }
    }
  }
  for (const key of Object.keys(r).filter(only).sort()) {
    if (b[key] === undefined && a[key] === undefined && options.mayAdd?.(key) !== true) differences.push({ object: key, change: 'unexpected', text: `${key} unexpected (in no manifest)` });
  }
  // A missing table says it all for its columns, indexes, constraints, triggers, policies and rules.
  const implied = (d: SchemaDifference) => d.change === 'missing' && !d.object.startsWith('table ') && missingTables.has(tableOf(d.object, b[d.object]) ?? '');
  return { differences: differences.filter((d) => !implied(d)), changing: [...changing], impliedByMissingTables: differences.filter(implied).length, compared: keys.length };
}
