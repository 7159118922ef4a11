// config-restore-apply: one batch of the writes of a configuration restore (the state machine loops while names remain).
import { s3Client } from '../../../shared/aws/s3-client.js';
import { secretsClient } from '../../../shared/aws/secrets-client.js';
import { ssmClient } from '../../../shared/aws/ssm-client.js';
import { configRestoreRun } from '../../../shared/config/restore-run.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { applyBatch } from './config-restore-apply.js';

export const handler = stepHandler(configRestoreRun, async (run, rt) =>
  applyBatch(
    { s3: s3Client(rt.region), ssm: ssmClient(run.target.region), secrets: secretsClient(run.target.region), parameterKey: rt.policy.kms[run.target.role], log: rt.log, now: rt.now },
    run,
  ),
);
