// The application's switches in Parameter Store (the maintenance mode, an endpoint): a String parameter
// read and written only when it does not hold the value already, by set-maintenance-mode and
// switch-endpoint. PutParameter (AWS Systems Manager API Reference): Overwrite replaces the value of an
// existing parameter; the Type is required only when the parameter is created, and is left out when it exists.

import { GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { ConfigurationError, errorName } from '../errors.js';

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
