// The Secrets Manager client of a region, made once per container (client-config.ts).
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { clientConfig, perRegion } from './client-config.js';

export const secretsClient = /* @__PURE__ */ perRegion((region) => new SecretsManagerClient(clientConfig(region)));
