// prune-db-snapshots: daily, in each region, on that region's snapshots.
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { scheduleEvent } from '../../../shared/rds/events.js';
import { lambdaHandler, MetricUnit } from '../../../shared/runtime/lambda.js';
import { pruneDbSnapshots } from './prune-db-snapshots.js';

export const handler = lambdaHandler('prune-db-snapshots', scheduleEvent, async (_event, rt) => {
  const peerRole = rt.role === 'primary' ? 'secondary' : 'primary';
  const decisions = await pruneDbSnapshots({
    policy: rt.policy,
    role: rt.role,
    rds: rdsClient(rt.region),
    peer: rdsClient(rt.policy.regions[peerRole]),
    alerts: rt.alerts,
    log: rt.log,
    now: rt.now,
  });
  for (const d of decisions) {
    rt.metrics.addMetric('SnapshotsDeleted', MetricUnit.Count, d.deleted.length);
    rt.metrics.addMetric('SnapshotsKept', MetricUnit.Count, d.kept.length);
  }
  return { dryRun: rt.policy.dryRun, decisions };
});
