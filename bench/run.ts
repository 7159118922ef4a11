// `npm run bench`: prints performance figures, each section measured in the same run. Never part of
// `npm test`. The README's performance section quotes a run of it, with the machine and the date.
import { arch, cpus, totalmem } from 'node:os';
import { benchBundles } from './bundles.js';
import { benchCli } from './cli.js';
import { benchDrill } from './drill.js';
import { benchMediaVerify } from './media-verify.js';
import { benchRetention, benchSteadyState } from './retention.js';
import { benchRetentionCli } from './retention-cli.js';

const cores = cpus();
console.log(
  `backup-dr bench, ${new Date().toISOString()}: Node ${process.version}, ${cores.length} × ${cores[0]?.model ?? arch()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
);
for (const line of await benchCli()) console.log(line);
for (const line of await benchRetentionCli()) console.log(line);
for (const line of benchRetention()) console.log(line);
for (const line of benchSteadyState()) console.log(line);
for (const line of await benchMediaVerify()) console.log(line);
for (const line of await benchBundles()) console.log(line);
for (const line of await benchDrill()) console.log(line);
