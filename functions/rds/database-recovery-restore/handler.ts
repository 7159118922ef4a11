// database-recovery-restore: starts the restore into the recovery's new instance (state machine step).
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { recoveryPlan } from '../../../shared/rds/recovery-run.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { startRecoveryRestore } from './database-recovery-restore.js';

export const handler = stepHandler(recoveryPlan, async (plan, rt) => startRecoveryRestore({ policy: rt.policy, rds: rdsClient(plan.region), log: rt.log, now: rt.now }, plan));
