// The Step Functions client of a region, made once per container (client-config.ts).
import { SFNClient } from '@aws-sdk/client-sfn';
import { clientConfig, perRegion } from './client-config.js';

export const sfnClient = /* @__PURE__ */ perRegion((region) => new SFNClient(clientConfig(region)));
