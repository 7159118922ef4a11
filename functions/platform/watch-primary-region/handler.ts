// watch-primary-region: every 5 minutes in the secondary region; probes the primary, alerts when it stops
// answering (and when it answers again), and with primaryHealth.proposeFailover starts region-failover.
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { RDSClient } from '@aws-sdk/client-rds';
import * as z from 'zod/mini';
import { clientConfig, perRegion } from '../../../shared/aws/client-config.js';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { sfnClient } from '../../../shared/aws/sfn-client.js';
import { ENV } from '../../../shared/contracts.js';
import { isoInstant, optionalEvent, strictInput } from '../../../shared/runtime/input.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { metricRecorder } from '../../../shared/runtime/metric-records.js';
import { probeUrl } from './probe.js';
import { SOURCE, watchPrimaryRegion } from './watch-primary-region.js';

/** How long a URL or an API may take to answer: a probe every 5 minutes must finish well inside it. */
const PROBE_TIMEOUT_MS = 5_000;
/** The primary's clients for probing: short timeouts, one attempt (a retry would only hide the silence). */
const PROBE_TIMEOUTS = { connectionTimeout: 3_000, requestTimeout: PROBE_TIMEOUT_MS };
const probeRds = /* @__PURE__ */ perRegion((region) => new RDSClient({ ...clientConfig(region, PROBE_TIMEOUTS), maxAttempts: 1 }));
const probeElastiCache = /* @__PURE__ */ perRegion((region) => new ElastiCacheClient({ ...clientConfig(region, PROBE_TIMEOUTS), maxAttempts: 1 }));

/** The schedule's input: its scheduled time (a manual run without it is the current minute). */
const watchEvent = optionalEvent(strictInput({ scheduledTime: z.optional(isoInstant) }));

export const handler = lambdaHandler(SOURCE, watchEvent, async (event, rt) => {
  const now = rt.now();
  const outcome = await watchPrimaryRegion(
    {
      policy: rt.policy,
      stage: rt.stage,
      probeUrl: (url) => probeUrl(url, { timeoutMs: PROBE_TIMEOUT_MS }),
      primaryRds: probeRds(rt.policy.regions.primary),
      primaryElastiCache: probeElastiCache(rt.policy.regions.primary),
      sfn: sfnClient(rt.region),
      regionFailoverArn: requireEnv(ENV.regionFailoverArn),
      s3: s3Client(rt.region),
      bucket: requireEnv(ENV.reportsBucket),
      alerts: rt.alerts,
      log: rt.log,
    },
    event.scheduledTime ?? Math.floor(now / 60_000) * 60_000,
    now,
  );
  if (outcome.counted) {
    metricRecorder(rt.metrics, 'platform').run(rt.policy.regions.primary, [
      ['PrimaryProbesFailed', outcome.results.filter((r) => !r.answered).length],
      ['PrimaryConsecutiveFailures', outcome.state.consecutiveFailures],
    ]);
  }
  return outcome;
});
