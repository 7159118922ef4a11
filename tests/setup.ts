// For every test file: aws-sdk-client-mock's vitest matchers (toHaveReceivedCommandWith, …), Powertools'
// JSON logs kept out of the output, and a clean start although files share their worker (vitest.config.ts,
// `isolate: false`): the project's modules evaluated afresh, the environment given back as the file found
// it, and no SDK client class left mocked (`mockClient(RDSClient)` replaces `send` on the class itself,
// for every instance made after it).
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { KMSClient } from '@aws-sdk/client-kms';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, vi } from 'vitest';

// Each file evaluates the project's modules afresh (their per-container caches, e.g. resolved KMS key
// ARNs, start empty as in a new Lambda container); node_modules stay loaded.
vi.resetModules();

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

/** The client classes tests and stand-ins mock as a whole (`mockClient(Class)`). */
const MOCKED_CLASSES = [CloudWatchClient, KMSClient, RDSClient, S3Client, SecretsManagerClient, SNSClient];

/** The environment as this file found it, given back when it ends (some files set Lambda variables). */
const environment = { ...process.env };

afterAll(() => {
  for (const name of Object.keys(process.env)) if (!(name in environment)) delete process.env[name];
  Object.assign(process.env, environment);
  for (const client of MOCKED_CLASSES) {
    // A mocked class has a sinon stub of its own in place of the `send` it inherits.
    const send = Object.getOwnPropertyDescriptor(client.prototype, 'send')?.value as { isSinonProxy?: boolean; restore?: () => void } | undefined;
    if (send?.isSinonProxy === true && send.restore !== undefined) send.restore();
  }
});
