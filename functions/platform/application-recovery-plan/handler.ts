// application-recovery-plan: the first step of the application-recovery state machine (nothing changes).
import * as z from 'zod/mini';
import { nonEmptyString } from '../../../shared/runtime/input.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { planApplicationRecovery } from './plan.js';

const planStep = z.object({ input: z.optional(z.unknown()), runId: nonEmptyString, execution: nonEmptyString });

export const handler = stepHandler(planStep, async (event, rt) => planApplicationRecovery(rt.policy, event.input, event.runId, event.execution, rt.now()));
