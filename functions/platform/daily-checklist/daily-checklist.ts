// The daily checklist (and the weekly and monthly summaries): reads the figures (figures.ts), builds the
// message (checklist.ts) and delivers it. With `alerts.slack` it posts straight to the webhook — not
// through the alerts topic, so the e-mail subscribers are not sent a daily digest next to the alerts —
// with the notifier's retries honouring Retry-After (shared/alerts/slack-webhook.ts); a delivery that
// still fails throws, and the handler's middleware alerts the topic (critical, function-error), so a
// checklist that did not arrive is itself an alert. Without Slack it publishes the text to the alerts
// topic as severity info: the e-mail subscribers get it. Reading figures changes nothing, so a retry or a
// duplicate schedule only posts the same checklist again. The webhook URL is never logged.

import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AlertSink } from '../../../shared/alerts/alert.js';
import { webhookUrl } from '../../../shared/alerts/slack-webhook-url.js';
import { DELIVERY, postToSlack, type DeliveryOptions } from '../../../shared/alerts/slack-webhook.js';
import type { Policy } from '../../../shared/policy/schema.js';
import type { Log } from '../../../shared/runtime/log.js';
import { checklistPayload, checklistText, judge, type Period } from './checklist.js';
import { gatherFigures } from './figures.js';

export interface ChecklistInput {
  readonly policy: Policy;
  readonly stage: string;
  /** The reports bucket of each region. */
  readonly reportsBuckets: Readonly<Record<string, string>>;
  readonly cloudwatch: (region: string) => Pick<CloudWatchClient, 'send'>;
  readonly s3: (region: string) => Pick<S3Client, 'send'>;
  readonly secrets: Pick<SecretsManagerClient, 'send'>;
  readonly alerts: AlertSink;
  readonly log: Log;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly delivery?: Partial<Omit<DeliveryOptions, 'sleep' | 'now'>>;
}

export interface ChecklistResult {
  readonly period: Period;
  readonly resources: number;
  readonly failing: readonly string[];
  readonly attention: readonly string[];
  readonly deliveredTo: 'slack' | 'alerts-topic';
  readonly attempts: number;
}

export async function runChecklist(period: Period, input: ChecklistInput): Promise<ChecklistResult> {
  const { policy } = input;
  const figures = await gatherFigures(period, {
    policy,
    stage: input.stage,
    regions: { primary: policy.regions.primary, secondary: policy.regions.secondary },
    reportsBuckets: input.reportsBuckets,
    cloudwatch: input.cloudwatch,
    s3: input.s3,
    now: input.now,
  });
  const verdicts = figures.resources.map((r) => ({ resource: r.resource, ...judge(r, period) }));
  const failing = verdicts.filter((v) => v.verdict === 'failing').map((v) => v.resource);
  const attention = verdicts.filter((v) => v.verdict === 'attention').map((v) => v.resource);
  const summary = { period, resources: figures.resources.length, failing, attention };
  const slack = policy.alerts.slack;
  if (slack !== undefined) {
    const url = await webhookUrl(input, slack.webhookSecret);
    const attempts = await postToSlack(url, checklistPayload(figures), input.log, { ...DELIVERY, ...input.delivery, sleep: input.sleep, now: input.now });
    input.log.info('checklist posted to Slack', { ...summary, attempts });
    return { ...summary, deliveredTo: 'slack', attempts };
  }
  const text = checklistText(figures);
  const [headline = '', ...rest] = text.split('\n');
  await input.alerts.publish({
    severity: 'info',
    kind: `${period}-checklist`,
    resource: 'backup-dr',
    region: policy.regions.primary,
    summary: headline,
    action: 'Read the checklist; a resource marked [XX] is failing, [!!] needs attention (a missing figure is a job that did not run). Follow its alarm runbook in the README.',
    source: 'daily-checklist',
    at: figures.at,
    details: { checklist: rest.join('\n') },
  });
  input.log.info('checklist published to the alerts topic', summary);
  return { ...summary, deliveredTo: 'alerts-topic', attempts: 1 };
}
