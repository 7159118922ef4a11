// `npm run bench`: prints performance figures. Never part of `npm test`.
import { benchBundles } from './bundles.js';
import { benchRetention } from './retention.js';

for (const line of benchRetention()) console.log(line);
for (const line of benchBundles()) console.log(line);
