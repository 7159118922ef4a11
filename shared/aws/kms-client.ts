// The KMS client of a region, made once per container (client-config.ts).
import { KMSClient } from '@aws-sdk/client-kms';
import { clientConfig, perRegion } from './client-config.js';

export const kmsClient = /* @__PURE__ */ perRegion((region) => new KMSClient(clientConfig(region)));
