// Packaging time only: the janitor — hourly, in both regions, it deletes temporary restore-test
// instances of ours that outlived the test timeout (a test whose teardown never ran: a Lambda or state
// machine failure, an aborted execution) and alerts. Least privilege like restore-test-teardown: it
// lists every instance of its region, and may delete only our temporary ones carrying our owner tag.

import { SERVICE } from '../../../shared/contracts.js';
import { scheduled, type Contribution, type FunctionSpec } from '../../core/contribution.js';
import { allInstances, ownerResourceTag, restoreInstances } from '../rds/scope.js';

const JANITOR_SCHEDULE = 'rate(1 hour)';

const FUNCTIONS = {
  janitor: {
    roles: ['primary', 'secondary'],
    invokedBy: 'async',
    description: 'Deletes leaked restore-test instances of ours older than the test timeout and alerts',
    timeout: 120,
    memorySize: 256,
    events: (ctx) => [scheduled(ctx, JANITOR_SCHEDULE, `${SERVICE}: hourly sweep for leaked restore-test instances`)],
    statements: (ctx) => [
      // DescribeDBInstances lists every instance of the region (with its tags): IAM authorizes it on db:*.
      { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: [allInstances(ctx.region)] },
      // Only temporary instances, in this region, carrying our owner tag (as restore-test-teardown).
      { Effect: 'Allow', Action: ['rds:DeleteDBInstance'], Resource: [restoreInstances(ctx.region)], Condition: ownerResourceTag(ctx) },
    ],
  },
} satisfies Record<string, FunctionSpec>;

export type PlatformFunction = keyof typeof FUNCTIONS;

export const platformJanitor = { component: 'platform', name: 'platform/janitor', functions: FUNCTIONS } as const satisfies Contribution;
