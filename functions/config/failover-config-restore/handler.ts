// failover-config-restore: region-failover restores a configuration's newest bundle in the secondary (a nested restore-configuration).
import { sfnClient } from '../../../shared/aws/sfn-client.js';
import { ENV } from '../../../shared/contracts.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { configRestoreEvent, restoreConfigurationForFailover } from './failover-config-restore.js';

export const handler = stepHandler(configRestoreEvent, async (event, rt) => restoreConfigurationForFailover({ sfn: sfnClient(rt.region), stateMachineArn: requireEnv(ENV.configRestoreStateMachine) }, event));
