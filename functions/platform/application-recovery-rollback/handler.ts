// application-recovery-rollback: starts the SSM Automation rollback (idempotent by ClientToken).
import * as z from 'zod/mini';
import { ssmClient } from '../../../shared/aws/ssm-client.js';
import { applicationPlan } from '../../../shared/platform/application-run.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { startRollback } from './rollback.js';

export const handler = stepHandler(z.object({ plan: applicationPlan }), async (event, rt) => startRollback({ ssm: ssmClient(rt.region), log: rt.log }, event.plan));
