// validate-restore: the Validate state of the restore-test and pitr-test state machines (in the VPC).
import { rdsClient, s3Client, secretsClient } from '../../../shared/aws/clients.js';
import { ENV } from '../../../shared/contracts.js';
import { tlsSetting } from '../../../shared/rds/credentials.js';
import { validateStepInput } from '../../../shared/rds/restore-run.js';
import { optionalEnv } from '../../../shared/runtime/env.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { validateRestoredDatabase } from './validate-restore.js';

export const handler = lambdaHandler(
  'validate-restore',
  validateStepInput,
  async ({ plan, instance }, rt) => {
    const primary = rt.policy.regions.primary;
    const deps = {
      policy: rt.policy,
      secrets: secretsClient(plan.region),
      manifests: s3Client(primary),
      manifestBucket: optionalEnv(ENV.manifestBucket),
      source: rdsClient(primary),
      tls: tlsSetting(optionalEnv(ENV.dbTls)),
      log: rt.log,
      now: rt.now,
    };
    return validateRestoredDatabase(deps, plan, instance);
  },
  { onError: 'state-machine' },
);
