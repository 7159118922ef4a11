// escalate-unresolved: the step of the escalate-unresolved state machine after its Wait. It reads the one
// alarm with DescribeAlarms, decides whether the incident is still unresolved (plan.ts), claims the
// escalation of that incident with a conditional write under escalations/ in the region's reports bucket
// (If-None-Match: a duplicate ALARM event's execution, or a second run, finds the claim and does nothing),
// publishes the escalation alert to the unresolved topic (shared/alerts/unresolved.ts: the e-mail and SMS
// of alerts.escalation.unresolved.levels, and the Slack notifier), then marks the record published.
//
// Claim first, publish after: a retry of the same execution after a failed publish finds its own claim
// unpublished and publishes; a publish whose mark was lost is published again by that retry (at least
// once). Every error is thrown: the state machine retries, then its Catch publishes to the alerts topic.

import { DescribeAlarmsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import { createHash } from 'node:crypto';
import { snsAlertSink } from '../../../shared/alerts/sns.js';
import { unresolvedAlert } from '../../../shared/alerts/unresolved.js';
import { putStateObject, readStateObject, writeStateObject } from '../../../shared/aws/state-object.js';
import { REPORT_PREFIX } from '../../../shared/contracts.js';
import type { Policy } from '../../../shared/policy/schema.js';
import type { Log } from '../../../shared/runtime/log.js';
import { claimDecision, decideEscalation, type AlarmNow, type EscalationRecord } from './plan.js';

/** The ALARM state change the execution was started for (the state machine's input, read by the handler). */
export interface AlarmEvent {
  readonly alarmName: string;
  readonly alarmArn: string;
  /** The state change's time (detail.state.timestamp). */
  readonly changedAt: number;
  /** The execution's name: whose claim a record is. */
  readonly execution: string;
}

export interface EscalateInput {
  readonly policy: Policy;
  readonly stage: string;
  readonly region: string;
  /** This stack's alerts topic: an alarm notifying it is one of ours. */
  readonly alertsTopicArn: string;
  readonly unresolvedTopicArn: string;
  readonly reportsBucket: string;
  readonly cloudwatch: CloudWatchClient;
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly log: Log;
  readonly now: () => number;
}

export interface EscalateResult {
  readonly outcome: 'escalated' | 'gone' | 'not-ours' | 'resolved' | 're-alarmed' | 'duplicate';
  readonly alarm: string;
  /** When the alarm went to ALARM (ISO), once it was found unresolved. */
  readonly since?: string;
  readonly unresolvedForSeconds?: number;
}

/** Where an incident's escalation is recorded: by the alarm's ARN and when it went to ALARM. */
export const escalationKey = (alarmArn: string, since: string): string => `${REPORT_PREFIX.escalations}${createHash('sha256').update(`${alarmArn}\n${since}`).digest('hex')}.json`;

/** The alarm by its name, as DescribeAlarms returns it (metric alarms: ours are all metric alarms). */
async function describeAlarm(cloudwatch: CloudWatchClient, name: string): Promise<AlarmNow | undefined> {
  const response = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [name] }));
  const alarm = response.MetricAlarms?.find((a) => a.AlarmName === name);
  if (alarm === undefined) return undefined;
  return {
    name,
    arn: alarm.AlarmArn ?? '',
    stateValue: alarm.StateValue ?? 'INSUFFICIENT_DATA',
    ...(alarm.StateTransitionedTimestamp === undefined ? {} : { transitionedAt: alarm.StateTransitionedTimestamp.getTime() }),
    description: alarm.AlarmDescription ?? '',
    reason: alarm.StateReason ?? '',
    actions: alarm.AlarmActions ?? [],
  };
}

/** Escalates the alarm of `event` if it is still unresolved and nobody escalated this incident yet. */
export async function escalateUnresolved(event: AlarmEvent, input: EscalateInput): Promise<EscalateResult> {
  const alarm = await describeAlarm(input.cloudwatch, event.alarmName);
  const decision = decideEscalation(alarm, event.changedAt, input.alertsTopicArn);
  if (decision.action === 'skip' || alarm === undefined) {
    const outcome = decision.action === 'skip' ? decision.reason : 'gone';
    input.log.info('alarm not escalated', { alarm: event.alarmName, outcome, execution: event.execution });
    return { outcome, alarm: event.alarmName };
  }

  const since = new Date(decision.since).toISOString();
  const arn = alarm.arn || event.alarmArn;
  const key = escalationKey(arn, since);
  const read = await readStateObject(input.s3, input.reportsBucket, key);
  const record = read.text === undefined ? undefined : (JSON.parse(read.text) as EscalationRecord);
  let etag = read.etag;
  const now = input.now();
  const unresolvedForSeconds = Math.round((now - decision.since) / 1000);
  switch (claimDecision(record, event.execution)) {
    case 'duplicate':
      input.log.info('escalation already claimed', { alarm: alarm.name, since, claimedBy: record?.execution, execution: event.execution });
      return { outcome: 'duplicate', alarm: alarm.name, since, unresolvedForSeconds };
    case 'claim': {
      const claim: EscalationRecord = { alarm: alarm.name, alarmArn: arn, since, execution: event.execution, claimedAt: new Date(now).toISOString() };
      const written = await putStateObject(input.s3, input.reportsBucket, key, claim, undefined);
      if (written === null) {
        // Another execution of the same incident wrote its claim between the read and this write.
        input.log.info('escalation claimed meanwhile by another execution', { alarm: alarm.name, since, execution: event.execution });
        return { outcome: 'duplicate', alarm: alarm.name, since, unresolvedForSeconds };
      }
      etag = written;
      break;
    }
    case 'publish':
      input.log.warn('publishing an escalation this execution claimed earlier', { alarm: alarm.name, since, execution: event.execution });
  }

  const alert = unresolvedAlert({ name: alarm.name, arn, description: alarm.description, reason: alarm.reason, since: decision.since }, { policy: input.policy, stage: input.stage, region: input.region, now });
  await snsAlertSink(input.sns, input.unresolvedTopicArn, input.policy.timezone).publish(alert);
  const published: EscalationRecord = { alarm: alarm.name, alarmArn: arn, since, execution: event.execution, claimedAt: record?.claimedAt ?? new Date(now).toISOString(), publishedAt: new Date(input.now()).toISOString() };
  if (!(await writeStateObject(input.s3, input.reportsBucket, key, published, etag))) {
    // Nobody else writes a claimed record: a lost mark only means a retry of this execution would publish again.
    input.log.warn('escalation published but its record could not be marked', { alarm: alarm.name, since });
  }
  input.log.info('alarm escalated', { alarm: alarm.name, since, unresolvedForSeconds, execution: event.execution });
  return { outcome: 'escalated', alarm: alarm.name, since, unresolvedForSeconds };
}
