// application-recovery-poll: the SSM Automation rollback's status (RollbackNotReady while it runs).
import { ssmClient } from '../../../shared/aws/ssm-client.js';
import { nonEmptyString, strictInput } from '../../../shared/runtime/input.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { rollbackStatus } from './status.js';

export const handler = stepHandler(strictInput({ automationExecutionId: nonEmptyString }), async (event, rt) => rollbackStatus(ssmClient(rt.region), event.automationExecutionId));
