// The tables of a partial recovery, pure: the recovery schema's name, and which table of the backup
// lands as which table there — checked when the recovery is planned (naming the field) and again by the
// copy step.

import { InvalidInput } from '../errors.js';
import { wallTime } from '../time/zone.js';
import type { TableName } from './postgres/catalog.js';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `recovery_<yyyymmddhhmmss>` on the policy's wall clock: sorts by time, unquoted, a valid identifier. */
export function recoverySchemaName(at: number, timeZone: string): string {
  const w = wallTime(at, timeZone);
  return `recovery_${pad(w.year, 4)}${pad(w.month)}${pad(w.day)}${pad(w.hour)}${pad(w.minute)}${pad(Math.floor((at % 60_000) / 1000))}`;
}

/** "schema.table" (the first dot splits, as the manifests and the policy's validation.tables write it). */
export function parseTableName(text: string, field: string): TableName {
  const dot = text.indexOf('.');
  if (dot <= 0 || dot === text.length - 1) throw new InvalidInput(field, `"${text}" must be schema.table (e.g. public.orders)`);
  return { schema: text.slice(0, dot), table: text.slice(dot + 1) };
}

/**
 * The tables to recover, each with its name in the recovery schema (its own table name: two named tables
 * with the same name in different schemas would collide, so that is refused up front, naming the field).
 */
export function recoveryTargets(tables: readonly string[], field = 'tables'): { source: TableName; recoveredAs: string }[] {
  if (tables.length === 0) throw new InvalidInput(field, 'name at least one table to recover (schema.table)');
  const seen = new Map<string, number>();
  return tables.map((text, index) => {
    const source = parseTableName(text, `${field}[${index}]`);
    const earlier = seen.get(source.table);
    if (earlier !== undefined) {
      throw new InvalidInput(`${field}[${index}]`, `"${text}" and "${tables[earlier]}" would both be recovered as ${source.table}: recover them in two runs`);
    }
    seen.set(source.table, index);
    return { source, recoveredAs: source.table };
  });
}
