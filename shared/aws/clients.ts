// SDK clients, one per service and region, made once per container and shared by warm invocations.
// Marked pure so a bundle keeps only the clients its handler uses.
import { KMSClient } from '@aws-sdk/client-kms';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';

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

export const rdsClient = /* @__PURE__ */ perRegion((region) => new RDSClient({ region }));
export const snsClient = /* @__PURE__ */ perRegion((region) => new SNSClient({ region }));
export const kmsClient = /* @__PURE__ */ perRegion((region) => new KMSClient({ region }));
export const s3Client = /* @__PURE__ */ perRegion((region) => new S3Client({ region }));
export const secretsClient = /* @__PURE__ */ perRegion((region) => new SecretsManagerClient({ region }));
