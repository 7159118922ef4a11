// database-recovery-copy: the Copy tables step of a partial database-recovery (in the VPC).
import { rdsClient } from '../../../shared/aws/rds-client.js';
import { secretsClient } from '../../../shared/aws/secrets-client.js';
import { ENV } from '../../../shared/contracts.js';
import { tlsSetting } from '../../../shared/rds/credentials.js';
import { recoveryStepInput } from '../../../shared/rds/recovery-run.js';
import { optionalEnv } from '../../../shared/runtime/env.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { copyRecoveredTables } from './database-recovery-copy.js';

export const handler = stepHandler(recoveryStepInput, async ({ plan, instance }, rt) =>
  copyRecoveredTables({ rds: rdsClient(plan.region), secrets: secretsClient(plan.region), tls: tlsSetting(optionalEnv(ENV.dbTls)), log: rt.log }, plan, instance),
);
