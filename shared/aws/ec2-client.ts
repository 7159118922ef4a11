// The EC2 client of a region (the failover readiness check reads security groups), made once per container.
import { EC2Client } from '@aws-sdk/client-ec2';
import { clientConfig, perRegion } from './client-config.js';

export const ec2Client = /* @__PURE__ */ perRegion((region) => new EC2Client(clientConfig(region)));
