// replicate-db-backups: daily in the primary region (deployed only when a database enforces replication).
import { kmsClient } from '../../../shared/aws/kms-client.js';
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { keyOf } from '../../../shared/aws/kms-keys.js';
import { scheduleEvent } from '../../../shared/rds/events.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { replicateDbBackups } from './replicate-db-backups.js';

export const handler = lambdaHandler('replicate-db-backups', scheduleEvent, async (_event, rt) => ({
  outcomes: await replicateDbBackups({
    policy: rt.policy,
    primary: rdsClient(rt.policy.regions.primary),
    secondary: rdsClient(rt.policy.regions.secondary),
    kms: kmsClient(rt.policy.regions.secondary),
    key: keyOf(rt.policy, 'secondary', rt.stage),
    alerts: rt.alerts,
    log: rt.log,
    now: rt.now,
  }),
}));
