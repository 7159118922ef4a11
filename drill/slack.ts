// The drill's Slack part: every alert the run raised goes through the real notifier
// (functions/platform/notify-slack) as the alerts topic would deliver it, to a local HTTP server on
// 127.0.0.1 standing in for the incoming webhook, whose URL the notifier reads from the Secrets
// Manager stand-in; what reached the server is printed as text, and what was folded into a count is
// said. The webhook's URL (the secret) is never printed. The daily checklist (checklist.ts) posts to a
// local webhook of its own the same way.

import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { notifySlack, type NotifyResult } from '../functions/platform/notify-slack/notify-slack.js';
import { alertJson, type Alert } from '../shared/alerts/alert.js';
import { blockKitText } from '../shared/alerts/slack-message.js';
import type { Policy } from '../shared/policy/schema.js';
import type { SecretsStandIn } from '../sandbox/aws/secrets-standin.js';

/** The secret the drill's notifier reads its webhook URL from (the stand-in holds a local URL). */
export const DRILL_WEBHOOK_SECRET = 'backup-dr/drill-slack-webhook';

export interface SlackDrillOptions {
  readonly policy: Policy;
  readonly stage: string;
  readonly reportsBucket: string;
  /** Installed: the notifier's GetSecretValue reads from it. The S3 stand-in must be installed too. */
  readonly secrets: SecretsStandIn;
  readonly alerts: readonly Alert[];
  readonly print: (line: string) => void;
}

/** A local HTTP server on 127.0.0.1 standing in for the incoming webhook: every payload it received, as JSON. */
export interface LocalWebhook {
  /** The webhook's URL: the secret (never printed). */
  readonly url: string;
  readonly received: readonly Record<string, unknown>[];
  close(): Promise<void>;
}

export async function localWebhook(): Promise<LocalWebhook> {
  const received: Record<string, unknown>[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/drill/${Date.now().toString(36)}`,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A payload that reached the webhook, as Slack would show it (text). */
export function printSlackMessage(payload: Record<string, unknown>, print: (line: string) => void): void {
  print('Slack message that would be posted:');
  for (const line of blockKitText(payload).split('\n')) print(`  > ${line}`);
}

/** Posts the alerts through the notifier to a local webhook; prints each message that arrived, as text. */
export async function runSlackDrill(options: SlackDrillOptions): Promise<NotifyResult> {
  const webhook = await localWebhook();
  const region = options.policy.regions.primary;
  try {
    options.secrets.put(region, DRILL_WEBHOOK_SECRET, webhook.url);
    const policy = withDrillWebhook(options.policy);
    const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const result = { posted: 0, folded: 0, skipped: 0, attempts: 0 };
    for (const [index, alert] of options.alerts.entries()) {
      const message = JSON.stringify(alertJson(alert));
      const one = await notifySlack([{ Sns: { MessageId: `drill-${index + 1}`, Message: message, Timestamp: new Date(alert.at).toISOString() } }], {
        policy,
        stage: options.stage,
        region,
        reportsBucket: options.reportsBucket,
        s3: new S3Client({ region }),
        secrets: new SecretsManagerClient({ region }),
        log: silent,
        now: Date.now,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      });
      for (const key of ['posted', 'folded', 'skipped', 'attempts'] as const) result[key] += one[key];
    }
    options.print('');
    if (webhook.received.length === 0) options.print('Slack: nothing would be posted');
    for (const payload of webhook.received) printSlackMessage(payload, options.print);
    if (result.folded > 0) options.print(`Slack: ${result.folded} repeat${result.folded === 1 ? '' : 's'} folded into the messages above (posted with their count after the window)`);
    return result;
  } finally {
    await webhook.close();
  }
}

/** The policy with the drill's webhook as its Slack channel (the team's policy has none). */
export function withDrillWebhook(policy: Policy): Policy {
  return { ...policy, alerts: { ...policy.alerts, slack: { webhookSecret: DRILL_WEBHOOK_SECRET, foldWindow: 3_600_000 } } };
}
