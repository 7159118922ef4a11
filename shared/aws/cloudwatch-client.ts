// The CloudWatch client of a region, made once per container (client-config.ts).
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { clientConfig, perRegion } from './client-config.js';

export const cloudWatchClient = /* @__PURE__ */ perRegion((region) => new CloudWatchClient(clientConfig(region)));
