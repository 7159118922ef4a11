// What every Lambda of the service shares: the policy (parsed once per container, strictly), its
// region role, the alert sink, Powertools logging and metrics, the input parsed by the function's
// schema before its core runs, and a middleware that turns any unexpected failure into an alert before
// Lambda records the error.

import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type * as z from 'zod/mini';
import type { AlertSink } from '../alerts/alert.js';
import { snsAlertSink } from '../alerts/sns.js';
import { snsClient } from '../aws/clients.js';
import { ENV, METRICS_NAMESPACE, SERVICE } from '../contracts.js';
import { InvalidInput, RunFailed } from '../errors.js';
import { DEFAULT_POLICY_FILE, loadPolicyFile, type RegionRole } from '../policy/load.js';
import type { Policy } from '../policy/schema.js';
import { optionalEnv, requireEnv } from './env.js';
import { parseInput } from './input.js';
import type { Log } from './log.js';

export interface Runtime {
  /** The deployment's stage (the service key alias and bucket names derive from it). */
  readonly stage: string;
  readonly policy: Policy;
  readonly role: RegionRole;
  /** This deployment's region. */
  readonly region: string;
  readonly alerts: AlertSink;
  readonly logger: Logger;
  /** The logger as the cores see it. */
  readonly log: Log;
  readonly metrics: Metrics;
  readonly now: () => number;
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

let cached: Runtime | undefined;

/** Parsed on first use, not at import, so an invalid policy reaches the alerts topic too. */
export function runtime(): Runtime {
  if (cached !== undefined) return cached;
  const policy = loadPolicyFile(optionalEnv(ENV.policyFile) ?? DEFAULT_POLICY_FILE);
  const role = requireEnv(ENV.regionRole);
  if (role !== 'primary' && role !== 'secondary') throw new InvalidInput(ENV.regionRole, `must be primary or secondary, not "${role}"`);
  const region = policy.regions[role];
  cached = {
    stage: requireEnv(ENV.stage),
    policy,
    role,
    region,
    alerts: snsAlertSink(snsClient(region), requireEnv(ENV.alertsTopicArn), policy.timezone),
    logger,
    log,
    metrics,
    now: () => Date.now(),
  };
  return cached;
}

/** Runs the handlers against a runtime of the caller's: the local drill, the simulation and the tests. */
export function setRuntime(value: Runtime | undefined): void {
  cached = value;
}

/**
 * Publishes an alert for any error the handler did not alert itself (RunFailed means it did), then
 * lets the error propagate so Lambda records the failure and the Errors alarm can fire.
 */
function alertOnError(source: string): MiddlewareObj {
  return {
    onError: async (request) => {
      const error = request.error;
      if (error instanceof RunFailed) return;
      const name = error instanceof Error ? error.name : 'Error';
      const message = error instanceof Error ? error.message : String(error);
      logger.error(`${source} failed`, { error: { name, message } });
      let rt: Runtime | undefined;
      try {
        rt = runtime();
      } catch {
        rt = undefined;
      }
      if (rt === undefined) {
        // No policy or no topic: nothing to publish with. The Lambda Errors alarm is the signal.
        logger.error('cannot publish an alert: the runtime configuration is invalid');
        return;
      }
      await rt.alerts.publish({
        severity: 'critical',
        kind: 'function-error',
        resource: SERVICE,
        region: rt.region,
        summary: `${source} failed: ${name}`,
        action: `Read the ${source} logs in CloudWatch (aws/lambda/…-${source}); fix the cause; the next scheduled run retries.`,
        source,
        at: rt.now(),
        details: { error: name, message: message.slice(0, 500) },
      });
    },
  };
}

export interface HandlerOptions {
  /**
   * 'alert' (scheduled functions): any unexpected error is published to the alerts topic.
   * 'state-machine' (steps of a state machine): errors are its control flow (a "not ready" error is
   * retried); the state machine's own failure path alerts, so the step does not.
   */
  readonly onError?: 'alert' | 'state-machine';
}

/**
 * A Lambda handler with logging, metrics and alert-on-error wired in; the event is parsed by `input`
 * first (InvalidInput naming the field, before anything is sent).
 */
export function lambdaHandler<S extends z.core.$ZodType, R>(source: string, input: S, run: (event: z.core.output<S>, rt: Runtime) => Promise<R>, options: HandlerOptions = {}) {
  const handler = middy<unknown, R, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
  if ((options.onError ?? 'alert') === 'alert') handler.use(alertOnError(source));
  return handler.handler(async (event) => {
    const rt = runtime();
    return run(parseInput(input, event), rt);
  });
}
