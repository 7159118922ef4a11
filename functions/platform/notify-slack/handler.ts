// notify-slack: subscribed to the region's alerts topic; posts each alert, alarm and resolution to Slack
// (folding repeats), reading the webhook URL from Secrets Manager. Its own failures do not alert to the
// topic it reads (that would feed itself): they stay Lambda errors — retried, then recorded in the
// async-failures queue, whose alarm and this function's Errors alarm reach the topic's e-mail subscribers.
import * as z from 'zod/mini';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { secretsClient } from '../../../shared/aws/secrets-client.js';
import { ENV } from '../../../shared/contracts.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { nonEmptyString } from '../../../shared/runtime/input.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { metricRecorder } from '../../../shared/runtime/metric-records.js';
import { notifySlack } from './notify-slack.js';

/** An SNS event as Lambda delivers it: the notifier reads each record's message id, message and time. */
export const snsEvent = z.looseObject({
  Records: z.array(
    z.looseObject({
      Sns: z.looseObject({ MessageId: nonEmptyString, Message: z.string({ error: 'must be the SNS message' }), Timestamp: z.optional(z.string()) }),
    }),
    { error: 'must be the SNS records' },
  ),
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const handler = lambdaHandler(
  'notify-slack',
  snsEvent,
  async (event, rt) => {
    const result = await notifySlack(event.Records, {
      policy: rt.policy,
      stage: rt.stage,
      region: rt.region,
      reportsBucket: requireEnv(ENV.reportsBucket),
      s3: s3Client(rt.region),
      secrets: secretsClient(rt.region),
      log: rt.log,
      now: rt.now,
      sleep,
    });
    metricRecorder(rt.metrics, 'platform').run(rt.region, [
      ['SlackPosted', result.posted],
      ['SlackFolded', result.folded],
      ['SlackDeliveryAttempts', result.attempts],
    ]);
    return result;
  },
  { onError: 'lambda-only' },
);
