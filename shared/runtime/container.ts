// What one Lambda container reads once and keeps for its warm invocations: the policy (the JSON packaged
// in its zip, POLICY_FILE, validated on first use), its region's role and region, the stage, Powertools
// logging and metrics; and the middy handler every function is built on. The alerts topic is not here:
// lambda.ts adds it (the SNS client) for the functions that alert, step.ts serves the state-machine
// steps that never do, so their bundles hold no SNS client.

import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type * as z from 'zod/mini';
import type { AlertSink } from '../alerts/alert.js';
import { ENV, METRICS_NAMESPACE, SERVICE } from '../contracts.js';
import { InvalidInput } from '../errors.js';
import { loadPolicyJson } from '../policy/json.js';
import type { RegionRole } from '../policy/resources.js';
import type { Policy } from '../policy/schema.js';
import { requireEnv } from './env.js';
import { parseInput } from './input.js';
import type { Log } from './log.js';

/** What a state-machine step that never alerts works with. */
export interface StepRuntime {
  /** The deployment's stage (the service key alias and bucket names derive from it). */
  readonly stage: string;
  readonly policy: Policy;
  readonly role: RegionRole;
  /** This deployment's region. */
  readonly region: string;
  readonly logger: Logger;
  /** The logger as the cores see it. */
  readonly log: Log;
  readonly metrics: Metrics;
  readonly now: () => number;
}

/** What every other function works with: the same, and the alerts topic. */
export interface Runtime extends StepRuntime {
  readonly alerts: AlertSink;
}

export const logger = new Logger({ serviceName: SERVICE });
// Metrics' own warnings go through the structured logger (and its level), not straight to the console.
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE, logger });
export const log: Log = {
  info: (message, fields) => logger.info(message, fields ?? {}),
  warn: (message, fields) => logger.warn(message, fields ?? {}),
  error: (message, fields) => logger.error(message, fields ?? {}),
};
export { MetricUnit };

let cached: StepRuntime | undefined;
let cachedWithAlerts: Runtime | undefined;

/** Read on first use, not at import, so an invalid policy reaches the alerts topic too. */
export function stepRuntime(): StepRuntime {
  if (cached !== undefined) return cached;
  const policy = loadPolicyJson(requireEnv(ENV.policyFile));
  const role = requireEnv(ENV.regionRole);
  if (role !== 'primary' && role !== 'secondary') throw new InvalidInput(ENV.regionRole, `must be primary or secondary, not "${role}"`);
  cached = { stage: requireEnv(ENV.stage), policy, role, region: policy.regions[role], logger, log, metrics, now: () => Date.now() };
  return cached;
}

/** The runtime with its alert sink, made once per container by `alerts` (lambda.ts: the SNS topic). */
export function runtimeWithAlerts(alerts: (rt: StepRuntime) => AlertSink): Runtime {
  if (cachedWithAlerts !== undefined) return cachedWithAlerts;
  const rt = stepRuntime();
  cachedWithAlerts = { ...rt, alerts: alerts(rt) };
  return cachedWithAlerts;
}

/** Runs the handlers against a runtime of the caller's: the local drill, the simulation and the tests. */
export function setRuntime(value: Runtime | undefined): void {
  cached = value;
  cachedWithAlerts = value;
}

/**
 * A middy handler with Powertools logging and metrics (and `middlewares`, e.g. alert-on-error) wired
 * in; the event is parsed by `input` first (InvalidInput naming the field, before anything is sent),
 * then `run` gets it with the container's runtime (`runtimeOf`).
 */
export function middyHandler<S extends z.core.$ZodType, R, T extends StepRuntime>(
  runtimeOf: () => T,
  input: S,
  run: (event: z.core.output<S>, rt: T) => Promise<R>,
  middlewares: readonly MiddlewareObj[] = [],
) {
  const handler = middy<unknown, R, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
  for (const middleware of middlewares) handler.use(middleware);
  return handler.handler(async (event) => {
    const rt = runtimeOf();
    return run(parseInput(input, event), rt);
  });
}
