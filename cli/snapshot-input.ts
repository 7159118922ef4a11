// The snapshot list the retention preview reads: a JSON array of {id, time, tags?, owned?}, where time
// is ISO-8601 with an explicit offset (a time without one is ambiguous across time zones: rejected).

import { z } from 'zod';
import { InvalidInput } from '../shared/errors.js';
import { describeIssues } from '../shared/policy/fields.js';
import { parseIsoInstant } from '../shared/time/iso.js';


const snapshotEntry = z.strictObject({
  id: z.string().min(1, { error: 'must not be empty' }),
  time: z
    .string()
    .regex(/(Z|[+-]\d{2}:?\d{2})$/i, { error: 'must be ISO-8601 with an offset, e.g. "2026-11-25T02:00:00+09:00" or "…Z"' })
    .refine((t) => parseIsoInstant(t) !== null, { error: 'is not a real date and time' }),
  tags: z.array(z.string()).optional(),
  owned: z.boolean().optional(),
});

export interface InputSnapshot {
  readonly id: string;
  readonly time: number;
  readonly tags: readonly string[];
  readonly owned?: boolean;
}

export function parseSnapshotList(text: string, source: string): InputSnapshot[] {
  let document: unknown;
  try {
    document = JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidInput(source, `not valid JSON (${(error as Error).message})`, { cause: error });
  }
  const result = z.array(snapshotEntry, { error: 'must be a JSON array of snapshots' }).safeParse(document);
  if (!result.success) {
    const first = describeIssues(result.error, source).split('\n')[0] ?? source;
    throw new InvalidInput('', first);
  }
  const seen = new Set<string>();
  return result.data.map((entry, index) => {
    if (seen.has(entry.id)) throw new InvalidInput(`${source}[${index}].id`, `duplicate snapshot id ${JSON.stringify(entry.id)}`);
    seen.add(entry.id);
    return {
      id: entry.id,
      time: parseIsoInstant(entry.time) as number,
      tags: entry.tags ?? [],
      ...(entry.owned === undefined ? {} : { owned: entry.owned }),
    };
  });
}
