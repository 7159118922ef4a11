// The Slack notifier: subscribed to its region's alerts topic (and to the unresolved topic of the delayed
// escalation), it reads each message as a notice (shared/alerts/slack-message.ts), finds the channels it
// goes to — the main webhook and the escalation levels' own (shared/alerts/slack-channels.ts) — decides per
// channel with the alert's fold state there whether to post, fold or skip it (plan.ts), posts to the
// incoming webhook whose URL it reads from Secrets Manager (shared/alerts/slack-webhook.ts), and records
// the state under slack-folds/ in the region's reports bucket — one object per channel and alert
// fingerprint, written with S3 conditional writes (If-Match on the ETag it read, If-None-Match for a new
// one) so concurrent invocations never lose a count.
//
// It posts first and records after: a delivery that fails leaves the state as it was, so Lambda's retry
// posts again and nothing is lost (the alert is on e-mail through SNS regardless; what still fails lands
// in the async-failures queue, which alarms). A channel that fails does not keep the others from being
// posted to; Lambda's retry then skips, per channel, what was posted (the message id is remembered there).
// Two invocations racing on the same new alert may both post it: at least once, never none. The webhook
// URL never reaches a log line, an error or the result.

import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { channelsFor, configuredChannels, type Channel } from '../../../shared/alerts/slack-channels.js';
import { readNotice, slackPayload, type LinkContext, type Notice } from '../../../shared/alerts/slack-message.js';
import { forgetWebhookUrl, webhookUrl } from '../../../shared/alerts/slack-webhook-url.js';
import { DELIVERY, postToSlack, type DeliveryOptions } from '../../../shared/alerts/slack-webhook.js';
import { readStateObject, writeStateObject } from '../../../shared/aws/state-object.js';
import { REPORT_PREFIX } from '../../../shared/contracts.js';
import { ConfigurationError, errorName } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import type { Log } from '../../../shared/runtime/log.js';
import { decide, type FoldState } from './plan.js';

export { forgetWebhookUrl };


/** One SNS record as Lambda receives it (only what the notifier reads). */
export interface SnsRecord {
  readonly Sns: { readonly MessageId: string; readonly Message: string; readonly Timestamp?: string | undefined };
}

export interface NotifyInput {
  readonly policy: Policy;
  readonly stage: string;
  readonly region: string;
  readonly reportsBucket: string;
  readonly s3: S3Client;
  readonly secrets: SecretsManagerClient;
  readonly log: Log;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly delivery?: Partial<Omit<DeliveryOptions, 'sleep' | 'now'>>;
}

/** Counted per delivery: a notice and one of its channels (one of each without escalation channels). */
export interface NotifyResult {
  readonly posted: number;
  readonly folded: number;
  readonly skipped: number;
  /** Delivery attempts of the messages posted (a retry shows here). */
  readonly attempts: number;
}

/** The fold state of an alert in a channel: the main channel's by the fingerprint alone (as it always was), a level's by its secret too. */
export const foldKey = (fingerprint: string, channel?: Channel): string =>
  `${REPORT_PREFIX.slackFolds}${createHash('sha256').update(channel === undefined || channel.main ? fingerprint : `${channel.secret}\n${fingerprint}`).digest('hex')}.json`;

/** The default fold window when only escalation levels have channels (no alerts.slack to say another). */
const DEFAULT_FOLD_WINDOW_MS = 3_600_000;

interface StoredState {
  readonly state: FoldState | undefined;
  readonly etag: string | undefined;
}

async function readState(input: NotifyInput, key: string): Promise<StoredState> {
  const read = await readStateObject(input.s3, input.reportsBucket, key);
  return { state: read.text === undefined ? undefined : (JSON.parse(read.text) as FoldState), etag: read.etag };
}

/** Writes `next` only over what was read (If-Match) or where nothing was (If-None-Match); false when another writer came first. */
const writeState = (input: NotifyInput, key: string, next: FoldState, etag: string | undefined): Promise<boolean> => writeStateObject(input.s3, input.reportsBucket, key, next, etag);

/** Conditional writes that lose this many races in a row are an error (Lambda retries the message). */
const WRITE_ATTEMPTS = 5;

type Outcome = 'posted' | 'folded' | 'skipped';

/** Posts, folds or skips `notice` in one channel. */
async function deliver(input: NotifyInput, record: SnsRecord, notice: Notice, channel: Channel, foldWindowMs: number): Promise<{ outcome: Outcome; attempts: number }> {
  const key = foldKey(notice.fingerprint, channel);
  const secret = channel.secret;
  let attempts = 0;
  let posted = false;
  for (let round = 1; round <= WRITE_ATTEMPTS; round += 1) {
    const { state, etag } = await readState(input, key);
    const decision = decide(notice, record.Sns.MessageId, state, input.now(), foldWindowMs);
    const fields = { messageId: record.Sns.MessageId, channel: secret, kind: notice.kind, resource: notice.resource, region: notice.region, status: notice.status };
    if (decision.action === 'skip') {
      input.log.info('notice skipped', { ...fields, reason: decision.reason });
      return { outcome: posted ? 'posted' : 'skipped', attempts };
    }
    if (decision.action === 'post' && !posted) {
      attempts = await postToSlack(await webhookUrl(input, secret), slackPayload(notice, decision.folded), input.log, { ...DELIVERY, ...input.delivery, sleep: input.sleep, now: input.now });
      posted = true;
    }
    // Posted in an earlier round whose write lost a race: not posted again, whatever is decided now
    // (a concurrent invocation posted the same alert meanwhile: this one counts as its repeat).
    if (await writeState(input, key, decision.next, etag)) {
      input.log.info(posted ? 'notice posted' : 'notice folded', { ...fields, repeats: decision.action === 'post' ? decision.folded.repeats : decision.next.repeats });
      return { outcome: posted ? 'posted' : 'folded', attempts };
    }
    input.log.warn('fold state changed meanwhile; deciding again', { ...fields, round });
  }
  throw new ConfigurationError(`the fold state ${key} kept changing under ${WRITE_ATTEMPTS} conditional writes in a row`);
}

/**
 * Handles the SNS records of one invocation, each in every channel it goes to; throws when a delivery
 * failed (after the others were handled): Lambda retries the invocation, and what was handled is then
 * skipped as a duplicate in its channel.
 */
export async function notifySlack(records: readonly SnsRecord[], input: NotifyInput): Promise<NotifyResult> {
  if (configuredChannels(input.policy).length === 0) {
    throw new ConfigurationError('neither alerts.slack nor any alerts.escalation.levels[].slack is set in the policy: the Slack notifier has nothing to post to');
  }
  const foldWindowMs = input.policy.alerts.slack?.foldWindow ?? DEFAULT_FOLD_WINDOW_MS;
  const links: LinkContext = { stage: input.stage, region: input.region, reportsBucket: input.reportsBucket };
  const result = { posted: 0, folded: 0, skipped: 0, attempts: 0 };
  let failure: Error | undefined;
  const failed = (record: SnsRecord, error: unknown, channel?: Channel) => {
    input.log.error('notice not delivered to Slack', { messageId: record.Sns.MessageId, ...(channel === undefined ? {} : { channel: channel.secret }), error: errorName(error), message: error instanceof Error ? error.message : String(error) });
    if (errorName(error) === 'SlackDeliveryFailed') forgetWebhookUrl(channel?.secret);
    failure ??= error instanceof Error ? error : new Error(String(error));
  };
  for (const record of records) {
    let notice: Notice | null;
    try {
      notice = readNotice(record.Sns.Message, Date.parse(record.Sns.Timestamp ?? '') || input.now(), input.policy, links);
    } catch (error) {
      failed(record, error);
      continue;
    }
    if (notice === null) {
      input.log.info('alarm state not posted', { messageId: record.Sns.MessageId });
      result.skipped += 1;
      continue;
    }
    const channels = channelsFor(notice, input.policy);
    if (channels.length === 0) {
      input.log.info('notice not posted: no channel takes it', { messageId: record.Sns.MessageId, kind: notice.kind, severity: notice.severity });
      result.skipped += 1;
      continue;
    }
    for (const channel of channels) {
      try {
        const { outcome, attempts } = await deliver(input, record, notice, channel, foldWindowMs);
        result[outcome] += 1;
        result.attempts += attempts;
      } catch (error) {
        failed(record, error, channel);
      }
    }
  }
  if (failure !== undefined) throw failure;
  return result;
}
