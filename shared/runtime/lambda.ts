// What every scheduled or event-driven Lambda of the service shares (container.ts: the policy, parsed
// once per container, strictly; its region role; Powertools logging and metrics; the input parsed by the
// function's schema before its core runs), with the alert sink — the SNS alerts topic — and a middleware
// that turns any unexpected failure into an alert before Lambda records the error. State-machine steps
// that never alert use step.ts instead (no SNS client in their bundles).

import type { MiddlewareObj } from '@middy/core';
import type * as z from 'zod/mini';
import { snsAlertSink } from '../alerts/sns.js';
import { snsClient } from '../aws/sns-client.js';
import { ENV, SERVICE } from '../contracts.js';
import { RunFailed } from '../errors.js';
import { logger, middyHandler, runtimeWithAlerts, type Runtime } from './container.js';
import { requireEnv } from './env.js';

export { log, logger, metrics, MetricUnit, setRuntime, type Runtime, type StepRuntime } from './container.js';

/** The container's runtime with its alerts topic. */
export function runtime(): Runtime {
  return runtimeWithAlerts((rt) => snsAlertSink(snsClient(rt.region), requireEnv(ENV.alertsTopicArn), rt.policy.timezone));
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
   * 'state-machine' (steps of a state machine that publish alerts themselves, e.g. restore-test-notify):
   * errors are its control flow (a "not ready" error is retried); the state machine's own failure path
   * alerts, so the step does not.
   * 'lambda-only' (the Slack notifier): it consumes the alerts topic, so publishing its own failure there
   * would feed itself; the error stays Lambda's (Errors alarm, async retry, the failure queue).
   */
  readonly onError?: 'alert' | 'state-machine' | 'lambda-only';
}

/**
 * A Lambda handler with logging, metrics and alert-on-error wired in; the event is parsed by `input`
 * first (InvalidInput naming the field, before anything is sent).
 */
export function lambdaHandler<S extends z.core.$ZodType, R>(source: string, input: S, run: (event: z.core.output<S>, rt: Runtime) => Promise<R>, options: HandlerOptions = {}) {
  return middyHandler(runtime, input, run, (options.onError ?? 'alert') === 'alert' ? [alertOnError(source)] : []);
}
