// restore-test-plan: the first state of the restore-test and pitr-test state machines.
import { rdsClient } from '../../../shared/aws/clients.js';
import type { RestoreKind } from '../../../shared/rds/restore-run.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { planRestoreTest } from './restore-test-plan.js';

export const handler = lambdaHandler('restore-test-plan', async (event: { kind?: RestoreKind; input?: unknown }, rt) =>
  planRestoreTest(
    { policy: rt.policy, rds: { primary: rdsClient(rt.policy.regions.primary), secondary: rdsClient(rt.policy.regions.secondary) }, now: rt.now, random: Math.random, role: rt.role },
    event.kind === 'pitr' ? 'pitr' : 'snapshot',
    event.input,
  ),
  { onError: 'state-machine' },
);
