// The configurations of a run (README, "Configuration"): those an event names — an unknown name is
// InvalidInput naming the field, before anything is read — else every configuration of the policy.
// Shared by the backup and the restore test.

import { InvalidInput } from '../errors.js';
import type { Policy } from '../policy/schema.js';

export type Configuration = Policy['resources']['configuration'][number];

/** The configurations of the run: those named (an unknown name is an error naming the field), else all. */
export function configurationsOf(policy: Policy, names: readonly string[] | undefined): Configuration[] {
  const all = policy.resources.configuration;
  if (names === undefined) return [...all];
  const unknown = names.filter((n) => !all.some((c) => c.name === n));
  if (unknown.length > 0) throw new InvalidInput('resources', `no configuration named ${unknown.map((u) => `"${u}"`).join(', ')} in the policy`);
  return all.filter((c) => names.includes(c.name));
}
