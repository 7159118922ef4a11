// application-recovery-report: the evidence and the final alert of every application-recovery run.
import * as z from 'zod/mini';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { ENV } from '../../../shared/contracts.js';
import { applicationPlan } from '../../../shared/platform/application-run.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { nonEmptyString } from '../../../shared/runtime/input.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { OUTCOMES } from './plan.js';
import { reportApplicationRecovery } from './report.js';

const result = z.optional(z.record(z.string(), z.unknown()));
const reportEvent = z.object({
  outcome: z.enum(OUTCOMES),
  runId: nonEmptyString,
  run: z.object({
    plan: z.optional(applicationPlan),
    approval: result,
    maintenanceOn: result,
    rollback: result,
    database: result,
    health: result,
    maintenanceOff: result,
    error: z.optional(z.object({ Error: z.string(), Cause: z.optional(z.string()) })),
  }),
});

export const handler = lambdaHandler(
  'application-recovery-report',
  reportEvent,
  async (event, rt) =>
    reportApplicationRecovery({ policy: rt.policy, reports: s3Client(rt.region), bucket: requireEnv(ENV.reportsBucket), alerts: rt.alerts, region: rt.region, now: rt.now }, event.outcome, event.runId, event.run),
  { onError: 'state-machine' },
);
