// Packaging time only: check-schedules (functions/platform/check-schedules) — daily at rds.postureSchedule
// in both regions that run functions. Packaging tells it every schedule its region declares
// (DECLARED_SCHEDULES, named by core/schedules.ts, its own among them); it may ListSchedules, which
// supports no resource-level permission (Service Authorization Reference, "Actions, resources, and
// condition keys for Amazon EventBridge Scheduler": no resource type for ListSchedules, so '*'; the call
// itself is narrowed to the default group and the stage's name prefix), and keep its posture memory.
// Its alarms: per component with schedules, PostureFindings (component, resource "schedules", region)
// above 0 — a daily figure judged in the hour it arrives; and the dead man's switch, SchedulesChecked
// written every run, missing for the posture interval + 2 h treated as breaching: a check whose own
// schedule was disabled never runs to report it, nor does one that fails before counting.

import { ENV, scheduleNamePrefix, SERVICE } from '../../../shared/contracts.js';
import { encodeDeclaredSchedules } from '../../../shared/schedule/declared.js';
import { asMetricComponent } from '../../../shared/runtime/metric-catalog.js';
import { alarmsOf, backupDrMetric, DAILY_SAMPLE, freshnessHours, freshnessWindow, type AlarmSpec } from '../../core/alarms.js';
import { PackagingError } from '../../core/cloudformation.js';
import { scheduled, type Context, type Contribution, type Deployed, type FunctionSpec } from '../../core/contribution.js';
import { postureMemoryStatements } from '../../platform/reports-bucket.js';

export const SCHEDULE_CHECK = 'check-schedules';
/** The resource of every schedule finding, memory and metric. */
const RESOURCE = 'schedules';
/**
 * Lambda allows 4 KB for all of a function's environment variables; the provider's share (ARNs, names)
 * stays under 1 KB, so the declared schedules may take the rest.
 */
export const SCHEDULES_ENV_BUDGET = 3072;

function declaredEnvironment(ctx: Context, deployed: Deployed): Record<string, string> {
  const encoded = encodeDeclaredSchedules(scheduleNamePrefix(ctx.stage), deployed.schedules);
  if (encoded.length > SCHEDULES_ENV_BUDGET) {
    throw new PackagingError(`the ${deployed.schedules.length} schedules of ${ctx.region} take ${encoded.length} characters in ${SCHEDULE_CHECK}'s ${ENV.declaredSchedules}, over ${SCHEDULES_ENV_BUDGET} (Lambda allows 4 KB of environment): shorter resource names or fewer resources per region`);
  }
  return { [ENV.declaredSchedules]: encoded };
}

const FUNCTIONS = {
  [SCHEDULE_CHECK]: {
    roles: ['primary', 'secondary'],
    invokedBy: 'async',
    description: "Daily: every schedule of the region's deployment is there and ENABLED; each one gone or disabled an alert of its component",
    // A few ListSchedules pages, then one memory read and write per component.
    timeout: 120,
    memorySize: 256,
    environmentOfDeployment: declaredEnvironment,
    events: (ctx) => [scheduled(ctx, ctx.policy.rds.postureSchedule, `${SERVICE}: every schedule of the region enabled`)],
    statements: (ctx) => [{ Effect: 'Allow', Action: ['scheduler:ListSchedules'], Resource: ['*'] }, ...postureMemoryStatements(ctx)],
  },
} satisfies Record<string, FunctionSpec>;

export type ScheduleCheckFunction = keyof typeof FUNCTIONS;

function alarms(ctx: Context, deployed: Deployed): AlarmSpec[] {
  if (deployed.functions[SCHEDULE_CHECK] === undefined) return [];
  const components = [...new Set(deployed.schedules.map((s) => s.component))];
  const hours = freshnessHours(ctx.policy.rds.postureSchedule, ctx.policy.timezone, Date.now());
  return [
    ...components.map(
      (component): AlarmSpec => ({
        component,
        resource: RESOURCE,
        what: 'not-enabled',
        ...DAILY_SAMPLE,
        threshold: 0,
        comparison: 'GreaterThanThreshold',
        metric: backupDrMetric('PostureFindings', { component: asMetricComponent(component), resource: RESOURCE, region: ctx.region }, 'Maximum'),
        description:
          `A schedule of ${component} in ${ctx.region} is gone or not ENABLED (${SCHEDULE_CHECK}): what it starts does not run. ` +
          `Runbook: the ${SCHEDULE_CHECK} alert names the schedule; enable it (EventBridge Scheduler console) or recreate it as the stack's template has it; CloudTrail says who changed it.`,
      }),
    ),
    {
      component: 'platform',
      resource: RESOURCE,
      what: 'not-checked',
      ...freshnessWindow(hours),
      threshold: 1,
      comparison: 'LessThanThreshold',
      metric: backupDrMetric('SchedulesChecked', { component: 'platform', resource: RESOURCE, region: ctx.region }, 'Maximum'),
      description:
        `${SCHEDULE_CHECK} has not checked the schedules of ${ctx.region} for ${hours} hours: its own schedule is disabled or gone, or it fails. ` +
        `Runbook: check its schedule (${scheduleNamePrefix(ctx.stage)}${SCHEDULE_CHECK}) in the EventBridge Scheduler console, then its logs and errors alarm; invoke it by hand once fixed.`,
    },
  ];
}

export const platformSchedules = {
  component: 'platform',
  name: 'platform/schedules',
  functions: FUNCTIONS,
  alarms: (ctx, deployed) => alarmsOf(ctx, alarms(ctx, deployed)),
} as const satisfies Contribution;
