// Packaging time only: the environment of the Lambdas (provider.environment for all of them, plus what
// single functions add), named by the contract the handlers read (shared/contracts.ts ENV).

import { ENV, SERVICE } from '../../shared/contracts.js';
import { LOGICAL_ID, ref, type CfnValue } from '../core/cloudformation.js';
import type { Context } from '../core/contribution.js';

/** What every function gets: its region's role, the alerts topic, the policy file, its reports bucket, the stage. */
export function lambdaEnvironment(ctx: Context): Record<string, CfnValue> {
  return {
    [ENV.regionRole]: ctx.role,
    [ENV.alertsTopicArn]: ref(LOGICAL_ID.topic),
    [ENV.policyFile]: ctx.policyFile,
    [ENV.powertoolsServiceName]: SERVICE,
    // This region's reports bucket: restore-test evidence, validation reports and manifests (the
    // secondary's hold replicas of the primary's).
    [ENV.reportsBucket]: ref(LOGICAL_ID.reportsBucket),
    // The stage names the service key's alias and the reports buckets of both regions.
    [ENV.stage]: ctx.stage,
  };
}
