// The SNS client of a region, made once per container (client-config.ts).
import { SNSClient } from '@aws-sdk/client-sns';
import { clientConfig, perRegion } from './client-config.js';

export const snsClient = /* @__PURE__ */ perRegion((region) => new SNSClient(clientConfig(region)));
