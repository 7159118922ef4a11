// The EventBridge Scheduler schedules a region's deployment declares, as check-schedules receives them in
// DECLARED_SCHEDULES: by component, each name after the stage's prefix (contracts.ts scheduleNamePrefix),
// so that the variable stays small (Lambda allows 4 KB for all of a function's environment). Every one is
// declared ENABLED: osls and serverless-step-functions write State DISABLED only for `enabled: false`,
// which the deployment never sets.

import { ENV } from '../contracts.js';
import { InvalidInput } from '../errors.js';

/** Full schedule names by component. */
export type DeclaredSchedules = Readonly<Record<string, readonly string[]>>;

/** The state every declared schedule must be in. */
export const DECLARED_STATE = 'ENABLED';

/** What the deployment writes: names without `prefix`, grouped by component. */
export function encodeDeclaredSchedules(prefix: string, schedules: readonly { readonly name: string; readonly component: string }[]): string {
  const byComponent: Record<string, string[]> = {};
  for (const { name, component } of schedules) {
    if (!name.startsWith(prefix)) throw new InvalidInput(ENV.declaredSchedules, `schedule ${name} does not start with ${prefix}`);
    (byComponent[component] ??= []).push(name.slice(prefix.length));
  }
  return JSON.stringify(byComponent);
}

/** What check-schedules reads: an InvalidInput naming the variable when it is not what the deployment writes. */
export function parseDeclaredSchedules(text: string, prefix: string): DeclaredSchedules {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidInput(ENV.declaredSchedules, 'is not JSON', { cause: error });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new InvalidInput(ENV.declaredSchedules, 'must be an object of schedule names by component');
  const declared: Record<string, string[]> = {};
  const seen = new Set<string>();
  for (const [component, names] of Object.entries(parsed)) {
    if (component === '') throw new InvalidInput(ENV.declaredSchedules, 'a component name is empty');
    if (!Array.isArray(names) || names.length === 0 || names.some((n) => typeof n !== 'string' || n === '')) {
      throw new InvalidInput(`${ENV.declaredSchedules}.${component}`, 'must be a non-empty list of schedule names');
    }
    for (const name of names as string[]) {
      const full = `${prefix}${name}`;
      if (seen.has(full)) throw new InvalidInput(`${ENV.declaredSchedules}.${component}`, `names ${full} twice`);
      seen.add(full);
      (declared[component] ??= []).push(full);
    }
  }
  return declared;
}
