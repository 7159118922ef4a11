// The delayed escalation's message: the alert escalate-unresolved publishes to the unresolved topic when
// an alarm of the stack is still in ALARM after alerts.escalation.unresolved.after — which alarm, since
// when, for how long, its reason, its console page and its runbook — and how long "unresolved for" reads.
// The Slack notifier reads it back (slack-message.ts) by its kind. Pure.

import type { Policy } from '../policy/schema.js';
import { formatIsoInZone } from '../time/zone.js';
import type { Alert } from './alert.js';
import { alarmConsoleUrl, alarmParts, arnRegion, runbookOf } from './alarm-name.js';

/** The kind of the escalation alert: what the Slack notifier recognises it by. */
export const UNRESOLVED_KIND = 'alarm-unresolved';
export const UNRESOLVED_SOURCE = 'escalate-unresolved';

/** The alarm as DescribeAlarms reads it when it escalates. */
export interface UnresolvedAlarm {
  readonly name: string;
  readonly arn: string;
  readonly description: string;
  /** Why it is in ALARM (StateReason). */
  readonly reason: string;
  /** When it went to ALARM: the start of this incident (StateTransitionedTimestamp). */
  readonly since: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "45 min", "1 h", "1 h 5 min", "2 d 3 h": whole minutes, the two largest units that are not zero. */
export function spokenDuration(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / MINUTE));
  const parts: [number, string][] = [
    [Math.floor(minutes / (DAY / MINUTE)), 'd'],
    [Math.floor((minutes % (DAY / MINUTE)) / 60), 'h'],
    [minutes % 60, 'min'],
  ];
  const first = parts.findIndex(([value]) => value > 0);
  if (first === -1) return '0 min';
  return parts
    .slice(first, first + 2)
    .filter(([value]) => value > 0)
    .map(([value, unit]) => `${value} ${unit}`)
    .join(' ');
}

export interface UnresolvedContext {
  readonly policy: Policy;
  readonly stage: string;
  /** The region escalate-unresolved runs in (the alarm's, unless its ARN says otherwise). */
  readonly region: string;
  readonly now: number;
}

/** The alert for `alarm`, unresolved at `now`, to the levels of alerts.escalation.unresolved. */
export function unresolvedAlert(alarm: UnresolvedAlarm, ctx: UnresolvedContext): Alert {
  const alarmRegion = arnRegion(alarm.arn) ?? ctx.region;
  const parts = alarmParts(alarm.name, ctx.stage, alarmRegion, ctx.policy);
  const escalation = ctx.policy.alerts.escalation;
  const levels = (escalation?.unresolved?.levels ?? []).map((n) => `${n} (${escalation?.levels[n - 1]?.name ?? '?'})`);
  const forMs = ctx.now - alarm.since;
  const { happened, runbook } = runbookOf(alarm.description);
  return {
    severity: 'critical',
    kind: UNRESOLVED_KIND,
    resource: parts.resource,
    region: parts.region,
    // Short: the SMS is the subject ("[backup-dr CRITICAL] app-db ap-northeast-1: unresolved for 1 h: freshness").
    summary: `unresolved for ${spokenDuration(forMs)}: ${parts.what ?? alarm.name}`,
    action:
      (runbook ?? `Read the alarm's description and metric in the CloudWatch console: ${happened || alarm.name}.`) +
      ` Escalated to level ${levels.join(', ')}: the levels before it were told when it went to ALARM.`,
    source: UNRESOLVED_SOURCE,
    at: ctx.now,
    details: {
      alarm: alarm.name,
      alarmArn: alarm.arn,
      component: parts.component,
      ...(parts.what === undefined ? {} : { what: parts.what }),
      // In the policy's time zone, as the alert's own time is written for e-mail.
      since: formatIsoInZone(alarm.since, ctx.policy.timezone),
      unresolvedForSeconds: Math.round(forMs / 1000),
      reason: alarm.reason,
      ...(happened === '' ? {} : { description: happened }),
      console: alarmConsoleUrl(alarmRegion, alarm.name),
    },
  };
}
