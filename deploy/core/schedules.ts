// Packaging time only: the names of the EventBridge Scheduler schedules. Left unnamed, osls and
// serverless-step-functions let CloudFormation generate a name no check could expect, so every schedule is
// named here — `<service>-<stage>-<function or state machine>`, then `-<resource>` when it runs for one
// resource (its input's `resources: [one]` or `resource`) or `-<period>` (the checklist's). Stable keys:
// a resource added to the policy adds a schedule and renames none (a renamed schedule is replaced, and
// CloudFormation creates the new one before deleting the old: reusing a name in that shuffle would fail).
// Scheduler allows 64 characters ([0-9a-zA-Z-_.]): a longer name keeps 55 and ends with 8 hex of its hash.

import { createHash } from 'node:crypto';
import { scheduleNamePrefix } from '../../shared/contracts.js';
import { PackagingError } from './cloudformation.js';
import type { FunctionEvent } from './contribution.js';

/** EventBridge Scheduler: schedule names are 1–64 characters. */
export const SCHEDULE_NAME_LIMIT = 64;

/** A schedule of the region's deployment: its name, and the component and function or state machine it starts. */
export interface DeclaredSchedule {
  readonly name: string;
  readonly component: string;
  readonly owner: string;
}

/** What tells one schedule of a function or state machine from its others: the one resource or period it runs for. */
export function scheduleKey(input: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const resources = input?.['resources'];
  if (Array.isArray(resources) && resources.length === 1 && typeof resources[0] === 'string') return resources[0];
  for (const field of ['resource', 'period']) {
    const value = input?.[field];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

export function scheduleName(stage: string, owner: string, key: string | undefined): string {
  const name = `${scheduleNamePrefix(stage)}${owner}${key === undefined ? '' : `-${key}`}`;
  if (name.length <= SCHEDULE_NAME_LIMIT) return name;
  return `${name.slice(0, SCHEDULE_NAME_LIMIT - 9)}-${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
}

/** A function's events with each schedule named. */
export function namedSchedules(stage: string, owner: string, events: readonly FunctionEvent[]): FunctionEvent[] {
  return events.map((event) => ('schedule' in event ? { schedule: { ...event.schedule, name: scheduleName(stage, owner, scheduleKey(event.schedule.input)) } } : event));
}

/** Refuses two schedules of one region with the same name (CloudFormation would fail half-way through the deployment). */
export function assertUniqueScheduleNames(schedules: readonly DeclaredSchedule[]): void {
  const owners = new Map<string, string>();
  for (const { name, owner } of schedules) {
    const earlier = owners.get(name);
    if (earlier !== undefined) throw new PackagingError(`two schedules would be named ${name} (${earlier === owner ? owner : `${earlier} and ${owner}`}): give the resources distinct names`);
    owners.set(name, owner);
  }
}
