// database-recovery-teardown: deletes the recovery's temporary (or failed) instance, only this run's.
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { recoveryTeardownInput } from '../../../shared/rds/recovery-run.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { teardownRecovery } from './database-recovery-teardown.js';

export const handler = stepHandler(recoveryTeardownInput, async (event, rt) => teardownRecovery({ policy: rt.policy, rds: rdsClient(event.plan?.region ?? rt.region), log: rt.log }, event.plan));
