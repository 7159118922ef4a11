// The RDS client of a region, made once per container (client-config.ts).
import { RDSClient } from '@aws-sdk/client-rds';
import { clientConfig, perRegion } from './client-config.js';

export const rdsClient = /* @__PURE__ */ perRegion((region) => new RDSClient(clientConfig(region)));
