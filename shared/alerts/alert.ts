// Alerts: one structured message per thing a person must act on — which resource, which region, what
// failed, what to do — rendered as text for e-mail and as JSON for machines (the Slack notifier).

import { formatIsoInZone } from '../time/zone.js';

export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Alert {
  readonly severity: Severity;
  /** A stable machine name: backup-failed, copy-failed, verification-failed, posture, prune-refused, function-error … */
  readonly kind: string;
  readonly resource: string;
  readonly region: string;
  /** What failed, in one line. */
  readonly summary: string;
  /** What to do about it. */
  readonly action: string;
  /** The function (or state machine) that raised it. */
  readonly source: string;
  readonly at: number;
  readonly details?: Readonly<Record<string, string | number | boolean | null>>;
}

export interface AlertSink {
  publish(alert: Alert): Promise<void>;
}

const SUBJECT_LIMIT = 100;

/** SNS subjects: ASCII, at most 100 characters, no line breaks. */
export function alertSubject(alert: Alert): string {
  const subject = `[backup-dr ${alert.severity.toUpperCase()}] ${alert.resource} ${alert.region}: ${alert.summary}`;
   
  const ascii = subject.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length <= SUBJECT_LIMIT ? ascii : `${ascii.slice(0, SUBJECT_LIMIT - 3)}...`;
}

export function alertText(alert: Alert, timeZone: string): string {
  const lines = [
    `${alert.severity.toUpperCase()}: ${alert.summary}`,
    '',
    `Resource: ${alert.resource}`,
    `Region:   ${alert.region}`,
    `When:     ${formatIsoInZone(alert.at, timeZone)}`,
    `Source:   ${alert.source}`,
    '',
    `What to do: ${alert.action}`,
  ];
  const details = Object.entries(alert.details ?? {});
  if (details.length > 0) {
    lines.push('', 'Details:');
    for (const [key, value] of details) lines.push(`  ${key}: ${String(value)}`);
  }
  return lines.join('\n');
}

export function alertJson(alert: Alert): Record<string, unknown> {
  return { ...alert, at: new Date(alert.at).toISOString(), details: alert.details ?? {} };
}
