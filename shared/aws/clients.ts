// SDK clients, one per service and region, made once per container and shared by warm invocations.
// Marked pure so a bundle keeps only the clients its handler uses.
//
// Every client has a connection and a request timeout: a Lambda in a VPC without a route to an API (no
// endpoint, no NAT) otherwise hangs until the function's own timeout (up to 15 minutes) and dies without
// saying why. With these, a missing route fails in seconds, with the SDK's named TimeoutError, and
// reaches the alerts like any other failure. The SDK retries (3 attempts) on top.
import { KMSClient } from '@aws-sdk/client-kms';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';

/** Timeouts for every AWS call (ms): connecting, and the whole request once connected. */
export const CLIENT_TIMEOUTS = { connectionTimeout: 3_000, requestTimeout: 20_000 } as const;

/** The configuration every client is made with. */
export function clientConfig(region: string, timeouts: { connectionTimeout: number; requestTimeout: number } = CLIENT_TIMEOUTS) {
  // throwOnRequestTimeout: without it the Node handler only logs a warning when requestTimeout passes.
  return { region, requestHandler: { connectionTimeout: timeouts.connectionTimeout, requestTimeout: timeouts.requestTimeout, throwOnRequestTimeout: true } };
}

function perRegion<C>(make: (region: string) => C): (region: string) => C {
  const clients = new Map<string, C>();
  return (region) => {
    let client = clients.get(region);
    if (client === undefined) {
      client = make(region);
      clients.set(region, client);
    }
    return client;
  };
}

export const rdsClient = /* @__PURE__ */ perRegion((region) => new RDSClient(clientConfig(region)));
export const snsClient = /* @__PURE__ */ perRegion((region) => new SNSClient(clientConfig(region)));
export const kmsClient = /* @__PURE__ */ perRegion((region) => new KMSClient(clientConfig(region)));
export const s3Client = /* @__PURE__ */ perRegion((region) => new S3Client(clientConfig(region)));
export const secretsClient = /* @__PURE__ */ perRegion((region) => new SecretsManagerClient(clientConfig(region)));
