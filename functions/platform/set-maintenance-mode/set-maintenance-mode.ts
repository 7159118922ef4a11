// set-maintenance-mode: puts the application into maintenance mode and back — the SSM parameter the
// policy names (recovery.maintenanceMode, in the region the runbook runs in) set to its `on` or `off`
// value. Idempotent: a parameter that reads the value already is left alone (`changed: false`). The
// value it replaced is the output (`previous`; null: there was no parameter), for the runbook's report
// and undo. Without recovery.maintenanceMode it does nothing and says so.
//
// PutParameter (AWS Systems Manager API Reference): Overwrite replaces the value of an existing
// parameter; the Type is required only when the parameter is created, and is left out when it exists.

import { GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { ConfigurationError, errorName } from '../../../shared/errors.js';
import type { RecoveryPolicy } from '../../../shared/policy/schema.js';
import type { Log } from '../../../shared/runtime/log.js';

export interface MaintenanceModeDeps {
  readonly recovery: RecoveryPolicy | undefined;
  readonly ssm: SSMClient;
  readonly log: Log;
}

export type MaintenanceModeResult =
  | { readonly parameter: string; readonly previous: string | null; readonly current: string; readonly changed: boolean }
  | { readonly skipped: string };

/** A String parameter's value and type; null when there is none. */
export async function readParameter(ssm: SSMClient, name: string): Promise<{ value: string; type: string } | null> {
  try {
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name }));
    return { value: Parameter?.Value ?? '', type: Parameter?.Type ?? 'String' };
  } catch (error) {
    if (errorName(error) === 'ParameterNotFound') return null;
    throw error;
  }
}

/** Writes `value` unless the parameter holds it already: a String, created when missing, never another type overwritten. */
export async function writeParameter(ssm: SSMClient, name: string, value: string, description: string): Promise<{ previous: string | null; changed: boolean }> {
  const existing = await readParameter(ssm, name);
  // The application reads it in plain text; a SecureString read undecrypted would compare ciphertext.
  if (existing !== null && existing.type !== 'String') throw new ConfigurationError(`${name} is a ${existing.type} parameter: the application's switches are String parameters; make it one or name another in the policy`);
  if (existing?.value === value) return { previous: existing.value, changed: false };
  await ssm.send(new PutParameterCommand({ Name: name, Value: value, Overwrite: true, ...(existing === null ? { Type: 'String', Description: description } : {}) }));
  return { previous: existing?.value ?? null, changed: true };
}

export async function setMaintenanceMode(input: { mode: 'on' | 'off'; execution: string }, deps: MaintenanceModeDeps): Promise<MaintenanceModeResult> {
  const maintenance = deps.recovery?.maintenanceMode;
  if (maintenance === undefined) {
    deps.log.info('no maintenance mode in the policy: nothing to set', { mode: input.mode, execution: input.execution });
    return { skipped: 'no maintenanceMode in the policy' };
  }
  const value = input.mode === 'on' ? maintenance.on : maintenance.off;
  const { previous, changed } = await writeParameter(deps.ssm, maintenance.parameter, value, 'backup-dr: maintenance mode the application reads (recovery.maintenanceMode)');
  deps.log.info(changed ? 'maintenance mode set' : 'maintenance mode already as asked', { parameter: maintenance.parameter, mode: input.mode, previous, current: value, execution: input.execution });
  return { parameter: maintenance.parameter, previous, current: value, changed };
}
