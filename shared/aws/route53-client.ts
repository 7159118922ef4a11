// The Route53Client client of a region, made once per container (client-config.ts).
import { Route53Client } from '@aws-sdk/client-route-53';
import { clientConfig, perRegion } from './client-config.js';

export const route53Client = /* @__PURE__ */ perRegion((region) => new Route53Client(clientConfig(region)));
