// `npm run bench`: prints performance figures. Never part of `npm test`.
import { benchRetention } from './retention.js';

for (const line of benchRetention()) console.log(line);
