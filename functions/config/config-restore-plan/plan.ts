// Plans a restore of a configuration bundle, the pure parts: the execution's input (configuration, an
// optional bundle version, the region written to, dry run unless `"dryRun": false`) checked by schema and
// against the policy and the machine's own region, and the plan itself — by name, from the bundle and the
// live configuration: what would be written, what is live but not in the bundle (reported, never deleted),
// how many are already equal. Values are compared here and dropped: only names and counts leave.

import * as z from 'zod/mini';
import type { ConfigBundle } from '../../../shared/config/bundle.js';
import type { LiveConfiguration } from '../../../shared/config/live.js';
import type { KindPlan } from '../../../shared/config/restore-run.js';
import { InvalidInput } from '../../../shared/errors.js';
import type { RegionRole } from '../../../shared/policy/resources.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { nonEmptyString, strictInput } from '../../../shared/runtime/input.js';

export const executionInput = strictInput({
  configuration: z.optional(nonEmptyString),
  versionId: z.optional(nonEmptyString),
  /** The execution name of a restore to undo: its recorded previous versions are written back. */
  undo: z.optional(nonEmptyString),
  region: z.optional(z.enum(['primary', 'secondary'], { error: 'must be "primary" or "secondary"' })),
  dryRun: z.optional(z.boolean({ error: 'must be true or false' })),
});
export type ExecutionInput = z.output<typeof executionInput>;

export type Configuration = Policy['resources']['configuration'][number];

/** The policy's configuration the input names, and the region role written to (the machine's own: each region's machine writes only its region). */
export function checkRequest(policy: Policy, machineRole: RegionRole, input: ExecutionInput): { configuration: Configuration; role: RegionRole } {
  if (input.configuration === undefined) throw new InvalidInput('configuration', 'must be a non-empty string (or give "undo": "<execution name>" to undo a restore)');
  const configuration = policy.resources.configuration.find((c) => c.name === input.configuration);
  if (configuration === undefined) {
    throw new InvalidInput('configuration', `no configuration "${input.configuration}" in the policy (known: ${policy.resources.configuration.map((c) => c.name).join(', ') || 'none'})`);
  }
  checkRegion(policy, machineRole, input.region);
  return { configuration, role: machineRole };
}

/** The region written to must be the machine's own. */
export function checkRegion(policy: Policy, machineRole: RegionRole, region: RegionRole | undefined): void {
  const role = region ?? machineRole;
  if (role !== machineRole) {
    throw new InvalidInput(
      'region',
      `this state machine runs in the ${machineRole} region (${policy.regions[machineRole]}) and writes only there: start the ${role}'s restore-configuration state machine (${policy.regions[role]}) to restore into the ${role}`,
    );
  }
}

function planKind<T extends { readonly value: string }>(bundle: Readonly<Record<string, T>>, live: Readonly<Record<string, T>>, same: (a: T, b: T) => boolean): KindPlan {
  const inBundle = Object.keys(bundle).sort();
  const write = inBundle.filter((name) => live[name] === undefined || !same(bundle[name]!, live[name]));
  return {
    write,
    added: write.filter((name) => live[name] === undefined),
    liveOnly: Object.keys(live).filter((name) => bundle[name] === undefined).sort(),
    unchanged: inBundle.length - write.length,
  };
}

/** What writing the bundle back would change, by name: a parameter differs by value or type, a secret by value. */
export function planChanges(bundle: Pick<ConfigBundle, 'parameters' | 'secrets'>, live: Pick<LiveConfiguration, 'parameters' | 'secrets'>): { parameters: KindPlan; secrets: KindPlan } {
  const parameters = planKind(bundle.parameters, live.parameters, (a, b) => a.value === b.value && a.type === b.type);
  const before = Object.fromEntries(parameters.write.flatMap((name) => (live.parameters[name] === undefined ? [] : [[name, { version: live.parameters[name].version, type: live.parameters[name].type }]])));
  return { parameters: { ...parameters, live: before }, secrets: planKind(bundle.secrets, live.secrets, (a, b) => a.value === b.value) };
}

/**
 * The parameters the recovery runbooks own: maintenance mode (set-maintenance-mode) and the endpoints of
 * databases and caches (switch-endpoint). A configuration restore leaves them as they are: written back from
 * a bundle they would end a runbook's maintenance mode, or point the application at the old database, in the
 * middle of a recovery (region-failover restores the configuration while its maintenance mode is on).
 */
export function runbookParameters(policy: Policy): Set<string> {
  const owned = new Set<string>();
  if (policy.recovery?.maintenanceMode !== undefined) owned.add(policy.recovery.maintenanceMode.parameter);
  for (const resource of [...policy.resources.databases, ...policy.resources.caches]) if (resource.endpoint?.ssmParameter !== undefined) owned.add(resource.endpoint.ssmParameter);
  return owned;
}

/** The plan without writes to the runbooks' own parameters; the names left out. */
export function withoutRunbookParameters(plan: KindPlan, owned: ReadonlySet<string>): { plan: KindPlan; left: string[] } {
  const left = plan.write.filter((name) => owned.has(name));
  if (left.length === 0) return { plan, left };
  const keep = (name: string) => !owned.has(name);
  const live = plan.live === undefined ? undefined : Object.fromEntries(Object.entries(plan.live).filter(([name]) => keep(name)));
  return { plan: { ...plan, write: plan.write.filter(keep), added: plan.added.filter(keep), ...(live === undefined ? {} : { live }) }, left };
}
