// The escalate-unresolved state machine (escalate-unresolved.asl.json), in each region that runs
// functions when the policy has alerts.escalation.unresolved: started by the EventBridge rule on every
// ALARM state change of the stack's alarms, it waits the policy's duration, then escalate-unresolved
// escalates the alarm if it is still unresolved; a step that fails ends in escalate-unresolved-notify,
// which publishes to the alerts topic. Set from the policy: the wait, and the timeout, an hour beyond it.
// Read at packaging time and by the local runs; never bundled.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AslDefinition } from '../asl.js';

export const ESCALATE_UNRESOLVED_DEFINITION_FILE = join(import.meta.dirname, 'escalate-unresolved.asl.json');

export const WAIT_STATE = 'Wait while unresolved';
/** Beyond the wait: the step and its retries, the notify step, with margin. */
const AFTER_WAIT_SECONDS = 3600;

const COMMENT =
  "Delayed escalation: for an ALARM state change of one of this stack's alarms (the EventBridge rule's event), wait alerts.escalation.unresolved.after, then escalate the alarm to the levels of alerts.escalation.unresolved " +
  'if it is still in ALARM since that change (once per incident). A failure is published to the alerts topic. Input: the "CloudWatch Alarm State Change" event.';

/** The definition waiting `afterMs` (alerts.escalation.unresolved.after); Lambdas stay `{"Fn::GetAtt": ["escalateUnresolved", "Arn"]}`. */
export function escalateUnresolvedDefinition(afterMs: number): AslDefinition {
  const definition = JSON.parse(readFileSync(ESCALATE_UNRESOLVED_DEFINITION_FILE, 'utf8')) as AslDefinition;
  definition.Comment = COMMENT;
  const wait = definition.States[WAIT_STATE];
  if (wait?.Type !== 'Wait') throw new Error(`${ESCALATE_UNRESOLVED_DEFINITION_FILE}: "${WAIT_STATE}" must be a Wait state`);
  const waitSeconds = Math.ceil(afterMs / 1000);
  wait.Seconds = waitSeconds;
  definition.TimeoutSeconds = waitSeconds + AFTER_WAIT_SECONDS;
  return definition;
}
