// set-maintenance-mode: a runbook step, {mode: "on" | "off", execution} → {parameter, previous, current,
// changed}, or {skipped} without recovery.maintenanceMode. Its failure fails the step; the runbook alerts.
import * as z from 'zod/mini';
import { ssmClient } from '../../../shared/aws/ssm-client.js';
import { nonEmptyString, strictInput } from '../../../shared/runtime/input.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { setMaintenanceMode } from './set-maintenance-mode.js';

export const maintenanceModeInput = strictInput({
  mode: z.enum(['on', 'off'], { error: 'must be "on" or "off"' }),
  execution: nonEmptyString,
});

export const handler = stepHandler(maintenanceModeInput, async (event, rt) => setMaintenanceMode(event, { recovery: rt.policy.recovery, ssm: ssmClient(rt.region), log: rt.log }));
