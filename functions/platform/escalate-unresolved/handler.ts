// escalate-unresolved: the escalate-unresolved state machine's step after its Wait — escalates an alarm
// of the stack still in ALARM to the levels of alerts.escalation.unresolved. Its errors are the state
// machine's: retried there, then caught and published to the alerts topic.
import * as z from 'zod/mini';
import { cloudWatchClient } from '../../../shared/aws/cloudwatch-client.js';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { snsClient } from '../../../shared/aws/sns-client.js';
import { ENV } from '../../../shared/contracts.js';
import { InvalidInput } from '../../../shared/errors.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { nonEmptyString } from '../../../shared/runtime/input.js';
import { metricRecorder } from '../../../shared/runtime/metric-records.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { parseIsoInstant } from '../../../shared/time/iso.js';
import { escalateUnresolved } from './escalate-unresolved.js';

/**
 * The state machine's input to the step: the EventBridge event of the alarm's ALARM state change
 * ("CloudWatch Alarm State Change": the alarm's ARN in resources, its name and new state in detail) and
 * the execution's name.
 */
export const escalateInput = z.looseObject({
  execution: nonEmptyString,
  event: z.looseObject({
    resources: z.array(nonEmptyString).check(z.minLength(1, { error: "must hold the alarm's ARN" })),
    detail: z.looseObject({
      alarmName: nonEmptyString,
      state: z.looseObject({ value: z.literal('ALARM', { error: 'must be ALARM (the rule starts executions for ALARM only)' }), timestamp: nonEmptyString }),
    }),
  }),
});

export const handler = stepHandler(escalateInput, async (input, rt) => {
  // "2026-12-03T00:00:00.123+0000": the offset without a colon, as CloudWatch writes it.
  const changedAt = parseIsoInstant(input.event.detail.state.timestamp);
  if (changedAt === null) throw new InvalidInput('event.detail.state.timestamp', 'must be an ISO-8601 time with an offset');
  const result = await escalateUnresolved(
    { alarmName: input.event.detail.alarmName, alarmArn: input.event.resources[0]!, changedAt, execution: input.execution },
    {
      policy: rt.policy,
      stage: rt.stage,
      region: rt.region,
      alertsTopicArn: requireEnv(ENV.alertsTopicArn),
      unresolvedTopicArn: requireEnv(ENV.unresolvedTopicArn),
      reportsBucket: requireEnv(ENV.reportsBucket),
      cloudwatch: cloudWatchClient(rt.region),
      s3: s3Client(rt.region),
      sns: snsClient(rt.region),
      log: rt.log,
      now: rt.now,
    },
  );
  metricRecorder(rt.metrics, 'platform').run(rt.region, [['AlarmsEscalated', result.outcome === 'escalated' ? 1 : 0]]);
  return result;
});
