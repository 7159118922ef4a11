// What escalate-unresolved decides, after the state machine waited alerts.escalation.unresolved.after
// for an alarm that went to ALARM: whether it is still the same incident, unresolved — and whether this
// execution is the one to say so. Pure.
//
// "Still unresolved" is the alarm in ALARM now AND its StateTransitionedTimestamp (when its state value
// last changed: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricAlarm.html) not
// after the state change the event reported. An alarm that went OK and back to ALARM meanwhile is a new
// incident, escalated by the execution its own ALARM event started; one gone OK is resolved; one deleted
// is gone. An alarm whose actions do not notify this stack's alerts topic is not ours (another stage whose
// name extends this one's shares the rule's name prefix).

/** The alarm as DescribeAlarms reads it now. */
export interface AlarmNow {
  readonly name: string;
  readonly arn: string;
  readonly stateValue: string;
  /** When its state value last changed (absent: unknown, taken as the event's). */
  readonly transitionedAt?: number;
  readonly description: string;
  readonly reason: string;
  readonly actions: readonly string[];
}

export type EscalationDecision =
  | { readonly action: 'escalate'; readonly since: number }
  | { readonly action: 'skip'; readonly reason: 'gone' | 'not-ours' | 'resolved' | 're-alarmed' };

/**
 * The event's state timestamp and DescribeAlarms' StateTransitionedTimestamp name the same transition;
 * they are compared with this slack for their renderings (an alarm evaluates at most every 10 s, so a
 * new transition cannot hide inside it).
 */
export const SAME_TRANSITION_MS = 1_000;

/** Escalate `alarm` (or not) for the ALARM state change at `changedAt`. */
export function decideEscalation(alarm: AlarmNow | undefined, changedAt: number, alertsTopicArn: string): EscalationDecision {
  if (alarm === undefined) return { action: 'skip', reason: 'gone' };
  if (!alarm.actions.includes(alertsTopicArn)) return { action: 'skip', reason: 'not-ours' };
  if (alarm.stateValue !== 'ALARM') return { action: 'skip', reason: 'resolved' };
  const since = alarm.transitionedAt ?? changedAt;
  if (since > changedAt + SAME_TRANSITION_MS) return { action: 'skip', reason: 're-alarmed' };
  return { action: 'escalate', since };
}

/** The record of an incident's escalation, under escalations/ in the region's reports bucket. */
export interface EscalationRecord {
  readonly alarm: string;
  readonly alarmArn: string;
  /** When the alarm went to ALARM (ISO): with the ARN, what names the incident. */
  readonly since: string;
  /** The execution that claimed it: the only one that publishes. */
  readonly execution: string;
  readonly claimedAt: string;
  /** Set once the escalation is published. */
  readonly publishedAt?: string;
}

/**
 * What to do with the incident's record: `claim` it (none yet), `publish` (this execution's claim, not
 * published yet: a retry after a failed publish), or nothing — a duplicate (another execution claimed
 * it, or this one published already).
 */
export function claimDecision(record: EscalationRecord | undefined, execution: string): 'claim' | 'publish' | 'duplicate' {
  if (record === undefined) return 'claim';
  return record.execution === execution && record.publishedAt === undefined ? 'publish' : 'duplicate';
}
