// The alert for an escalation that could not run (the escalate-unresolved state machine's failure path):
// which alarm's ALARM it was for, the error, the execution, and what to do — check the alarm and tell
// the unresolved levels by hand if it is still in ALARM. Pure.

import type { Alert } from '../../../shared/alerts/alert.js';
import { alarmParts } from '../../../shared/alerts/alarm-name.js';
import { UNRESOLVED_SOURCE } from '../../../shared/alerts/unresolved.js';
import { SERVICE } from '../../../shared/contracts.js';
import type { Policy } from '../../../shared/policy/schema.js';

/** What the state machine hands to its notify step. */
export interface FailedEscalation {
  /** The "CloudWatch Alarm State Change" event the execution was started with (whatever it holds). */
  readonly event: unknown;
  readonly execution: string;
  readonly executionArn?: string | undefined;
  /** The caught error: its name, and its cause (a Lambda's is JSON with errorMessage). */
  readonly error: { readonly Error: string; readonly Cause?: string | undefined };
}

/** The alarm's name in the event, when it holds one. */
function alarmNameOf(event: unknown): string | undefined {
  const detail = (event as { detail?: { alarmName?: unknown } } | null)?.detail;
  return typeof detail?.alarmName === 'string' && detail.alarmName !== '' ? detail.alarmName : undefined;
}

/** A Lambda error's message from its Cause ({"errorMessage": …}), else the Cause itself. */
function messageOf(cause: string | undefined): string {
  if (cause === undefined) return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // Not JSON: the cause as Step Functions wrote it.
  }
  return cause;
}

export function escalationFailedAlert(failed: FailedEscalation, ctx: { readonly policy: Policy; readonly stage: string; readonly region: string; readonly now: number }): Alert {
  const alarm = alarmNameOf(failed.event);
  const parts = alarm === undefined ? undefined : alarmParts(alarm, ctx.stage, ctx.region, ctx.policy);
  const escalation = ctx.policy.alerts.escalation;
  const levels = (escalation?.unresolved?.levels ?? []).map((n) => `${n} (${escalation?.levels[n - 1]?.name ?? '?'})`).join(', ');
  return {
    severity: 'critical',
    kind: 'escalation-failed',
    resource: parts?.resource ?? SERVICE,
    region: parts?.region ?? ctx.region,
    // Short: the SMS is the subject; the alarm's full name is in the details.
    summary: `escalation could not run: ${failed.error.Error} (${parts?.what ?? alarm ?? 'alarm unknown'})`,
    action:
      `Check ${alarm ?? 'the alarm of the execution'} in the CloudWatch console: if it is still in ALARM, tell level ${levels || '(none configured)'} yourself. ` +
      'Then read the failed step of the execution in the Step Functions console and fix the cause (permissions, a throttled API, the reports bucket).',
    source: UNRESOLVED_SOURCE,
    at: ctx.now,
    details: {
      execution: failed.executionArn ?? failed.execution,
      alarm: alarm ?? null,
      error: failed.error.Error,
      message: messageOf(failed.error.Cause).slice(0, 500),
    },
  };
}
