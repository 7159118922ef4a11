// config-restore-plan: the first step of the restore-configuration state machine (either region).
import { s3Client } from '../../../shared/aws/s3-client.js';
import { secretsClient } from '../../../shared/aws/secrets-client.js';
import { ssmClient } from '../../../shared/aws/ssm-client.js';
import { configPlanStepInput } from '../../../shared/config/restore-run.js';
import { ENV } from '../../../shared/contracts.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { parseInput } from '../../../shared/runtime/input.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { planConfigRestore } from './config-restore-plan.js';
import { executionInput } from './plan.js';

export const handler = stepHandler(configPlanStepInput, async (event, rt) =>
  planConfigRestore(
    { policy: rt.policy, role: rt.role, s3: s3Client(rt.region), bucket: requireEnv(ENV.configBucket), reportsBucket: requireEnv(ENV.reportsBucket), ssm: ssmClient(rt.region), secrets: secretsClient(rt.region), log: rt.log, now: rt.now },
    parseInput(executionInput, event.input ?? {}),
    event.execution,
  ),
);
