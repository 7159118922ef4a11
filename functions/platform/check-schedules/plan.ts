// Which of the region's declared schedules are not running (README, "Posture checks: alert once per
// change"), pure: each schedule the deployment declares must be listed by ListSchedules and ENABLED
// (ScheduleSummary.State, ENABLED | DISABLED, Scheduler API reference); one that is gone or not enabled is
// a finding of the component whose function or state machine it starts. Listed schedules the deployment
// does not declare (another stage whose name shares the prefix, one made by hand) are not judged.

import { DECLARED_STATE, type DeclaredSchedules } from '../../../shared/schedule/declared.js';

/** One schedule as ListSchedules returns it. */
export interface ListedSchedule {
  readonly name: string;
  readonly state: string | undefined;
}

export interface ScheduleFinding {
  readonly severity: 'critical';
  /** The posture memory's key: one per schedule, so that one schedule fixed resolves only its own finding. */
  readonly check: string;
  readonly schedule: string;
  /** What it is instead of ENABLED: 'missing', or the state ListSchedules gave. */
  readonly state: string;
  readonly summary: string;
  readonly action: string;
}

export interface ComponentSchedules {
  readonly component: string;
  /** How many of its schedules were compared. */
  readonly declared: number;
  readonly findings: readonly ScheduleFinding[];
}

export const scheduleCheck = (name: string): string => `schedule:${name}`;

function finding(name: string, state: string | undefined): ScheduleFinding | null {
  if (state === DECLARED_STATE) return null;
  if (state === undefined) {
    return {
      severity: 'critical',
      check: scheduleCheck(name),
      schedule: name,
      state: 'missing',
      summary: `the schedule ${name} is gone: what it started no longer runs`,
      action: `Recreate it with the name and settings the stack's template gives it (EventBridge Scheduler console, or aws scheduler create-schedule), so that the stack owns it again; CloudTrail (DeleteSchedule) says who removed it.`,
    };
  }
  return {
    severity: 'critical',
    check: scheduleCheck(name),
    schedule: name,
    state,
    summary: `the schedule ${name} is ${state}, not ${DECLARED_STATE}: what it starts does not run`,
    action: `Enable it (EventBridge Scheduler console, or aws scheduler get-schedule then update-schedule with the same settings and --state ${DECLARED_STATE}); CloudTrail (UpdateSchedule) says who changed it.`,
  };
}

/** Every component's declared schedules against those listed, in the order they are declared. */
export function assessSchedules(declared: DeclaredSchedules, listed: readonly ListedSchedule[]): ComponentSchedules[] {
  const states = new Map(listed.map((s) => [s.name, s.state ?? 'unknown']));
  return Object.entries(declared).map(([component, names]) => ({
    component,
    declared: names.length,
    findings: names.map((name) => finding(name, states.get(name))).filter((f): f is ScheduleFinding => f !== null),
  }));
}
