// What an operator starts database-recovery with, checked before anything is created: the schema, each
// mode's rules, then the database in the policy (restore-tested; an endpoint for a full recovery). Shared
// by database-recovery's plan step and application-recovery's plan, which starts database-recovery nested
// and must refuse a wrong database part before it changes anything.

import * as z from 'zod/mini';
import { InvalidInput } from '../errors.js';
import type { DatabaseResource, Policy } from '../policy/schema.js';
import { isoInstant, nonEmptyString, parseInput, strictInput } from '../runtime/input.js';
import { MAX_RECOVERY_TABLES, recoveryMode } from './recovery-run.js';
import { recoveryTargets } from './recovery-tables.js';

/** What an operator starts database-recovery with (console "Start execution" input). */
export const recoveryInput = strictInput({
  resource: nonEmptyString,
  mode: recoveryMode,
  snapshot: z.optional(nonEmptyString),
  time: z.optional(isoInstant),
  tables: z.optional(z.array(nonEmptyString).check(z.maxLength(MAX_RECOVERY_TABLES, { error: `at most ${MAX_RECOVERY_TABLES} tables in one recovery` }))),
  dryRun: z.optional(z.boolean({ error: 'must be true or false' })),
});
export type RecoveryInput = z.output<typeof recoveryInput>;

export type Recoverable = DatabaseResource & { readonly restoreTest: NonNullable<DatabaseResource['restoreTest']> };

/** The input, checked field by field: the rules of each mode, then the database in the policy. */
export function checkInput(policy: Policy, raw: unknown): { input: RecoveryInput; db: Recoverable } {
  const input = parseInput(recoveryInput, raw ?? {});
  const { mode } = input;
  if (mode === 'point-in-time' && input.time === undefined) throw new InvalidInput('time', 'a point-in-time recovery needs the time to restore to (ISO-8601 with an offset)');
  if (mode === 'point-in-time' && input.snapshot !== undefined) throw new InvalidInput('snapshot', 'a point-in-time recovery restores to a time, not a snapshot: give "time" only');
  if (mode === 'full' && input.time !== undefined) throw new InvalidInput('time', 'a full recovery restores a snapshot: use mode "point-in-time" for a time');
  if (mode === 'partial' && input.snapshot !== undefined && input.time !== undefined) throw new InvalidInput('time', 'give a snapshot or a time, not both');
  if (mode !== 'partial' && input.tables !== undefined) throw new InvalidInput('tables', 'only a partial recovery copies tables');
  if (mode === 'partial') recoveryTargets(input.tables ?? []);
  const databases = policy.resources.databases;
  const found = databases.find((d) => d.name === input.resource);
  if (found === undefined) throw new InvalidInput('resource', `no database "${input.resource}" in the policy (known: ${databases.map((d) => d.name).join(', ')})`);
  // Its network and master credentials secret are the restore test's: without them nothing can be restored and validated.
  if (found.restoreTest === undefined) throw new InvalidInput('resource', `"${found.name}" has no restoreTest settings in the policy (its subnet group, security groups and credentials secret)`);
  if (mode === 'full' && found.endpoint === undefined) {
    throw new InvalidInput('mode', `a full recovery switches where the application finds "${found.name}", and the policy names no endpoint for it (resources.databases[].endpoint)`);
  }
  return { input, db: { ...found, restoreTest: found.restoreTest } };
}

