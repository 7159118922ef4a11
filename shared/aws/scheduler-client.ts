// The EventBridge Scheduler client of a region, made once per container (client-config.ts).
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { clientConfig, perRegion } from './client-config.js';

export const schedulerClient = /* @__PURE__ */ perRegion((region) => new SchedulerClient(clientConfig(region)));
