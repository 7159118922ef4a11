// After a full recovery switched the application over: the instance it replaced is kept, not deleted —
// tagged first (replaced-by, keep-until = now + recovery.keepReplacedFor: whoever looks at it knows why it
// is there and until when), then stopped, so it costs storage only. Idempotent: a retry re-tags and finds
// it stopping or stopped. An instance RDS will not stop (the failed instance a recovery is often for:
// failed, storage-full, incompatible-*) is left as it is and said so: the switch already happened, and a
// recovery must not fail over a stop.
//
// "The instance restarts automatically after 7 days" (RDS API reference, StopDBInstance): with
// keepReplacedFor beyond 7d the report says so.

import { AddTagsToResourceCommand, DescribeDBInstancesCommand, StopDBInstanceCommand, type RDSClient } from '@aws-sdk/client-rds';
import { TAG } from '../../../shared/contracts.js';
import { errorMessage, errorName } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { isInstanceNotFound } from '../../../shared/rds/errors.js';
import type { RecoveryPlan } from '../../../shared/rds/recovery-run.js';
import type { Log } from '../../../shared/runtime/log.js';

const SEVEN_DAYS = 7 * 86_400_000;
const DEFAULT_KEEP = SEVEN_DAYS;

export interface Retired {
  readonly instanceId: string;
  readonly keepUntil: string;
  readonly stopped: boolean;
  readonly detail: string;
}

export async function retireReplaced(deps: { policy: Policy; rds: RDSClient; log: Log; now: () => number }, plan: RecoveryPlan): Promise<Retired> {
  const keepFor = deps.policy.recovery?.keepReplacedFor ?? DEFAULT_KEEP;
  const keepUntil = new Date(deps.now() + keepFor).toISOString();
  const id = plan.sourceInstanceId;
  let source;
  try {
    source = (await deps.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];
  } catch (error) {
    if (isInstanceNotFound(error)) return { instanceId: id, keepUntil, stopped: false, detail: `${id} no longer exists: nothing to keep` };
    throw error;
  }
  if (source?.DBInstanceArn !== undefined) {
    await deps.rds.send(new AddTagsToResourceCommand({ ResourceName: source.DBInstanceArn, Tags: [{ Key: TAG.replacedBy, Value: plan.instanceId }, { Key: TAG.keepUntil, Value: keepUntil }] }));
  }
  const restarts = keepFor > SEVEN_DAYS ? ' RDS starts a stopped instance again after 7 days: stop it again then, or delete it once you no longer need it.' : '';
  const status = source?.DBInstanceStatus ?? 'unknown';
  if (status === 'stopped' || status === 'stopping') return { instanceId: id, keepUntil, stopped: true, detail: `${id} is ${status}, kept until ${keepUntil}.${restarts}` };
  try {
    await deps.rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: id }));
  } catch (error) {
    if (errorName(error) === 'InvalidDBInstanceStateFault' || errorName(error) === 'InvalidDBInstanceState') {
      return { instanceId: id, keepUntil, stopped: false, detail: `${id} is "${status}" and RDS will not stop it (${errorMessage(error)}): it is tagged and left running — delete it by hand once you no longer need it` };
    }
    throw error;
  }
  deps.log.info('replaced instance stopped', { runId: plan.runId, instanceId: id, keepUntil });
  return { instanceId: id, keepUntil, stopped: true, detail: `${id} stopped and tagged, kept until ${keepUntil}.${restarts}` };
}
