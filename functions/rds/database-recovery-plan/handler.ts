// database-recovery-plan: the first step of the database-recovery state machine (nothing is created).
import * as z from 'zod/mini';
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { nonEmptyString } from '../../../shared/runtime/input.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { planRecovery } from './database-recovery-plan.js';

const planStep = z.object({ input: z.optional(z.unknown()), execution: nonEmptyString });

export const handler = stepHandler(planStep, async (event, rt) =>
  planRecovery({ policy: rt.policy, rds: { primary: rdsClient(rt.policy.regions.primary), secondary: rdsClient(rt.policy.regions.secondary) }, now: rt.now }, event.input, event.execution),
);
