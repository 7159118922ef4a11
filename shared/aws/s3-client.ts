// The S3 client of a region, made once per container (client-config.ts).
import { S3Client } from '@aws-sdk/client-s3';
import { clientConfig, perRegion } from './client-config.js';

export const s3Client = /* @__PURE__ */ perRegion((region) => new S3Client(clientConfig(region)));
