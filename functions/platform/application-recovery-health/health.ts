// Is the application healthy after the rollback: every recovery.application.healthUrls answers a GET
// with a 2xx status within healthTimeout (the URLs at once; a redirect, a 4xx or 5xx, a timeout or a
// refused connection is unhealthy). Unhealthy throws ApplicationUnhealthy naming each failing URL and
// its answer; the state machine asks again a few times (the rollout may still be settling), then stops
// with maintenance mode left on.

import { probeHttps, type HttpsProbeResult } from '../../../shared/platform/probe-url.js';
import { ApplicationUnhealthy } from '../../../shared/platform/application-run.js';

export type HealthProbe = (url: string, timeoutMs: number) => Promise<HttpsProbeResult>;

export const isHealthyStatus = (status: number): boolean => status >= 200 && status < 300;

/** The probe of a health URL: HTTPS GET, 2xx only (`ca`: a private CA to trust instead of the public ones). */
export function healthProbe(ca?: string | Buffer): HealthProbe {
  return (url, timeoutMs) => probeHttps(url, { timeoutMs, accept: isHealthyStatus, userAgent: 'backup-dr-application-recovery', ...(ca === undefined ? {} : { ca }) });
}

export interface HealthReport {
  readonly healthy: true;
  readonly results: readonly HttpsProbeResult[];
}

export async function checkHealth(deps: { probe: HealthProbe }, urls: readonly string[], timeoutMs: number): Promise<HealthReport> {
  const results = await Promise.all(urls.map((url) => deps.probe(url, timeoutMs)));
  const failing = results.filter((r) => !r.ok);
  if (failing.length > 0) throw new ApplicationUnhealthy(`${failing.length} of ${results.length} health URLs unhealthy: ${failing.map((r) => `${r.url} ${r.detail}`).join('; ')}`);
  return { healthy: true, results };
}
