// `npm run bench`: prints performance figures. Never part of `npm test`.
import { benchBundles } from './bundles.js';
import { benchCli } from './cli.js';
import { benchRetention, benchSteadyState } from './retention.js';

for (const line of benchRetention()) console.log(line);
for (const line of benchSteadyState()) console.log(line);
for (const line of await benchCli()) console.log(line);
for (const line of await benchBundles()) console.log(line);
