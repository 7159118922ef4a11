// The ElastiCache client of a region, made once per container (client-config.ts).
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { clientConfig, perRegion } from './client-config.js';

export const elastiCacheClient = /* @__PURE__ */ perRegion((region) => new ElastiCacheClient(clientConfig(region)));
