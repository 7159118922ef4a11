// application-recovery-plan: the first step of the application-recovery state machine (nothing changes).
import * as z from 'zod/mini';
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { nonEmptyString } from '../../../shared/runtime/input.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { planApplication } from './application-recovery-plan.js';

const planStep = z.object({ input: z.optional(z.unknown()), runId: nonEmptyString, execution: nonEmptyString });

export const handler = stepHandler(planStep, async (event, rt) => planApplication({ policy: rt.policy, rds: rdsClient(rt.policy.regions.primary), now: rt.now }, event.input, event.runId, event.execution));
