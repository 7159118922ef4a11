// database-recovery-retire: keeps the instance a full recovery replaced — tagged and stopped.
import * as z from 'zod/mini';
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { recoveryPlan } from '../../../shared/rds/recovery-run.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { retireReplaced } from './database-recovery-retire.js';

export const handler = stepHandler(z.object({ plan: recoveryPlan }), async ({ plan }, rt) => retireReplaced({ policy: rt.policy, rds: rdsClient(plan.region), log: rt.log, now: rt.now }, plan));
