// media-restore-record: the outcome and the evidence of a point-in-time restore of a prefix.
import { s3Client } from '../../../shared/aws/s3-client.js';
import { ENV } from '../../../shared/contracts.js';
import { mediaRestoreState } from '../../../shared/media/restore-run.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { recordMediaRestore } from './media-restore-record.js';

export const handler = stepHandler(mediaRestoreState, async (state, rt) => recordMediaRestore({ policy: rt.policy, s3: s3Client(rt.region), bucket: requireEnv(ENV.reportsBucket), log: rt.log, now: rt.now }, state));
