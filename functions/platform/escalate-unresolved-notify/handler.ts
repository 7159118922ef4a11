// escalate-unresolved-notify: the escalate-unresolved state machine's failure path — publishes the alert
// of an escalation that could not run to the alerts topic (the escalation levels' subscriptions filter it
// as critical; the Slack notifier posts it).
import * as z from 'zod/mini';
import { nonEmptyString } from '../../../shared/runtime/input.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { escalationFailedAlert } from './plan.js';

/** The state machine's input to the step: the event, the execution, the caught error. */
export const failedEscalation = z.looseObject({
  event: z.unknown(),
  execution: nonEmptyString,
  executionArn: z.optional(z.string()),
  error: z.looseObject({ Error: nonEmptyString, Cause: z.optional(z.string()) }),
});

export const handler = lambdaHandler(
  'escalate-unresolved-notify',
  failedEscalation,
  async (failed, rt) => {
    const alert = escalationFailedAlert(failed, { policy: rt.policy, stage: rt.stage, region: rt.region, now: rt.now() });
    await rt.alerts.publish(alert);
    return { notified: true, summary: alert.summary };
  },
  { onError: 'state-machine' },
);
