// validate-restore: the Validate state of the restore-test and pitr-test state machines (in the VPC).
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { secretsClient } from '../../../shared/aws/secrets-client.js';
import { ENV } from '../../../shared/contracts.js';
import { tlsSetting } from '../../../shared/rds/credentials.js';
import { validateStepInput } from '../../../shared/rds/restore-run.js';
import { optionalEnv, requireEnv } from '../../../shared/runtime/env.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { validateRestoredDatabase } from './validate-restore.js';

export const handler = stepHandler(
  validateStepInput,
  async ({ plan, instance }, rt) =>
    validateRestoredDatabase(
      {
        policy: rt.policy,
        secrets: secretsClient(plan.region),
        // The test runs in its state machine's region: manifests are replicated to its reports bucket, and the report goes there.
        reports: s3Client(rt.region),
        reportsBucket: requireEnv(ENV.reportsBucket),
        source: rdsClient(rt.policy.regions.primary),
        tls: tlsSetting(optionalEnv(ENV.dbTls)),
        log: rt.log,
        now: rt.now,
      },
      plan,
      instance,
    ),
);
