// prune-db-snapshots: daily, in each region, on that region's snapshots. Per database, in this region:
// SnapshotsDeleted and SnapshotsKept.
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { scheduleEvent } from '../../../shared/rds/events.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { metricRecorder } from '../../../shared/runtime/metric-records.js';
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
  const record = metricRecorder(rt.metrics, 'rds');
  for (const d of decisions) {
    record.resource(d.resource, rt.region, [
      ['SnapshotsDeleted', d.deleted.length],
      ['SnapshotsKept', d.kept.length],
    ]);
  }
  return { dryRun: rt.policy.dryRun, decisions };
});
