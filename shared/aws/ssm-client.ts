// The SSM client of a region, made once per container (client-config.ts).
import { SSMClient } from '@aws-sdk/client-ssm';
import { clientConfig, perRegion } from './client-config.js';

export const ssmClient = /* @__PURE__ */ perRegion((region) => new SSMClient(clientConfig(region)));
