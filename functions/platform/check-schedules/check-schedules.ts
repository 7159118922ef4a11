// The region's EventBridge Scheduler schedules, daily (plan.ts judges): lists the stage's schedules
// (ListSchedules in the default group by the stage's name prefix, every page) and alerts each declared one
// that is gone or not ENABLED — once, and again only when it changes (shared/alerts/posture-memory.ts), as
// a finding of its component about its resource "schedules". Its own schedule is among them, but a
// disabled one means it never runs to say so: the SchedulesChecked alarm (missing data breaching) does.

import { ListSchedulesCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import type { Alert } from '../../../shared/alerts/alert.js';
import { publishPosture, type PostureAlerting } from '../../../shared/alerts/posture-memory.js';
import { allPages } from '../../../shared/aws/pages.js';
import { SCHEDULE_GROUP, scheduleNamePrefix } from '../../../shared/contracts.js';
import type { DeclaredSchedules } from '../../../shared/schedule/declared.js';
import { assessSchedules, type ComponentSchedules, type ListedSchedule } from './plan.js';

/** The posture memory's and the metrics' resource for a component's schedules. */
export const SCHEDULES_RESOURCE = 'schedules';

export interface ScheduleCheckDeps extends PostureAlerting {
  readonly scheduler: SchedulerClient;
  readonly stage: string;
  readonly region: string;
  readonly declared: DeclaredSchedules;
  readonly now: () => number;
}

export interface ScheduleReport {
  /** Declared schedules compared (all components). */
  readonly checked: number;
  readonly components: readonly ComponentSchedules[];
}

/** Every schedule of the stage in the default group, as ListSchedules gives them (paginated by NextToken). */
export async function listStageSchedules(scheduler: SchedulerClient, stage: string): Promise<ListedSchedule[]> {
  const summaries = await allPages(async (token) => {
    const page = await scheduler.send(new ListSchedulesCommand({ GroupName: SCHEDULE_GROUP, NamePrefix: scheduleNamePrefix(stage), MaxResults: 100, ...(token === undefined ? {} : { NextToken: token }) }));
    return { items: page.Schedules, marker: page.NextToken };
  });
  return summaries.flatMap((s) => (s.Name === undefined ? [] : [{ name: s.Name, state: s.State }]));
}

export async function checkSchedules(deps: ScheduleCheckDeps): Promise<ScheduleReport> {
  const now = deps.now();
  const components = assessSchedules(deps.declared, await listStageSchedules(deps.scheduler, deps.stage));
  for (const { component, findings } of components) {
    const alerts = findings.map(
      (f): Alert => ({
        severity: f.severity,
        kind: 'posture',
        resource: SCHEDULES_RESOURCE,
        region: deps.region,
        summary: f.summary,
        action: f.action,
        source: 'check-schedules',
        at: now,
        details: { check: f.check, component, schedule: f.schedule, state: f.state },
      }),
    );
    // Every component with schedules, findings or none: a component without any now resolves what it had.
    await publishPosture(deps, component, 'check-schedules', [{ resource: SCHEDULES_RESOURCE, region: deps.region, findings: alerts }], now);
  }
  return { checked: components.reduce((n, c) => n + c.declared, 0), components };
}
