// application-recovery-progress: a step done, reported to the alerts topic (info).
import * as z from 'zod/mini';
import { applicationPlan } from '../../../shared/platform/application-run.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { reportProgress, STEPS } from './progress.js';

const progressEvent = z.object({ step: z.enum(STEPS), plan: applicationPlan, result: z.optional(z.nullable(z.record(z.string(), z.unknown()))) });

export const handler = lambdaHandler('application-recovery-progress', progressEvent, async (event, rt) => reportProgress({ alerts: rt.alerts, region: rt.region, now: rt.now }, event.step, event.plan, event.result), {
  onError: 'state-machine',
});
