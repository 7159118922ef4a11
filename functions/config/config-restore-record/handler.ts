// config-restore-record: the outcome and the evidence of a configuration restore.
import { s3Client } from '../../../shared/aws/s3-client.js';
import { configRestoreState } from '../../../shared/config/restore-run.js';
import { ENV } from '../../../shared/contracts.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { recordConfigRestore } from './config-restore-record.js';

export const handler = stepHandler(configRestoreState, async (state, rt) => recordConfigRestore({ policy: rt.policy, s3: s3Client(rt.region), bucket: requireEnv(ENV.reportsBucket), log: rt.log, now: rt.now }, state));
