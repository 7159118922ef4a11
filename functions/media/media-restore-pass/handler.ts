// media-restore-pass: one page of the walk (the state machine loops until the prefix is done).
import { s3Client } from '../../../shared/aws/s3-client.js';
import { ENV } from '../../../shared/contracts.js';
import { mediaRestoreRun } from '../../../shared/media/restore-run.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { restorePage } from './media-restore-pass.js';

export const handler = stepHandler(mediaRestoreRun, async (run, rt) =>
  restorePage({ source: s3Client(run.source.region), replica: s3Client(run.replica.region), reports: s3Client(rt.region), reportsBucket: requireEnv(ENV.reportsBucket), log: rt.log, now: rt.now }, run),
);
