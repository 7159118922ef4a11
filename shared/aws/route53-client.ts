// The Route 53 client (a global service: its endpoint is us-east-1 whatever the region), made once per container.
import { Route53Client } from '@aws-sdk/client-route-53';
import { clientConfig, perRegion } from './client-config.js';

export const route53Client = /* @__PURE__ */ perRegion((region) => new Route53Client(clientConfig(region)));
