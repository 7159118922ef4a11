// Packaging time only: the environment of the Lambdas (provider.environment for all of them, plus what
// single functions add), named by the contract the handlers read (shared/contracts.ts ENV).

import { ENV, SERVICE } from '../../shared/contracts.js';
import { LOGICAL_ID, ref, sub, type CfnValue } from '../core/cloudformation.js';
import type { Context } from '../core/contribution.js';
import { reportsBucketSub } from './reports-bucket.js';

/** What every function gets: its region's role, the alerts topic, the policy file, its reports bucket. */
export function lambdaEnvironment(ctx: Context): Record<string, CfnValue> {
  return {
    [ENV.regionRole]: ctx.role,
    [ENV.alertsTopicArn]: ref(LOGICAL_ID.topic),
    [ENV.policyFile]: ctx.policyFile,
    [ENV.powertoolsServiceName]: SERVICE,
    // This region's reports bucket: restore-test evidence and snapshot manifests.
    [ENV.reportsBucket]: ref(LOGICAL_ID.reportsBucket),
  };
}

/** For the functions that read or write manifests: the primary's reports bucket, by its deterministic name. */
export function manifestBucketEnvironment(ctx: Context): Record<string, CfnValue> {
  return { [ENV.manifestBucket]: sub(reportsBucketSub(ctx.stage, ctx.primary)) };
}
