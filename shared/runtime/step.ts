// A state-machine step that never publishes an alert (plan, restore, status, validate, record,
// teardown): its errors are the state machine's control flow (a "not ready" error is retried), and the
// state machine's own failure path alerts. Its runtime has no alerts topic, so its bundle holds no SNS
// client; a step that publishes alerts (restore-test-notify) uses lambdaHandler with onError 'state-machine'.

import type * as z from 'zod/mini';
import { middyHandler, stepRuntime, type StepRuntime } from './container.js';

export { MetricUnit, type StepRuntime } from './container.js';

/** A step's Lambda handler with logging and metrics; the event is parsed by `input` first (InvalidInput naming the field). */
export function stepHandler<S extends z.core.$ZodType, R>(input: S, run: (event: z.core.output<S>, rt: StepRuntime) => Promise<R>) {
  return middyHandler(stepRuntime, input, run);
}
