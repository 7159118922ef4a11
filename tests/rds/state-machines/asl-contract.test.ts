import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolvedAsl, type AslState } from '../../../sandbox/step-functions/asl.js';
import { readDefinition, RESTORE_TEST_MACHINES, restoreTestDefinition } from '../../../state-machines/rds/restore-test.js';
import { teamPolicy } from '../../helpers/runtime.js';

const require = createRequire(import.meta.url);
const aslValidator = require('asl-validator') as (definition: unknown) => { isValid: boolean; errorsText: (sep?: string) => string };

const POLICY = teamPolicy();
/** The definition file as written, and each state machine made from it. */
const DEFINITIONS = [
  ['restore-test.asl.json (as written)', readDefinition()],
  ...Object.entries(RESTORE_TEST_MACHINES).map(([name, kind]) => [name, restoreTestDefinition(kind, POLICY)] as const),
] as const;
const LAMBDA_ERRORS = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];

/** Every string literal in the code the Lambdas are built from. */
function sourceText(): string {
  const texts: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) texts.push(readFileSync(path, 'utf8'));
    }
  };
  walk(new URL('../../../functions/', import.meta.url).pathname);
  walk(new URL('../../../shared/', import.meta.url).pathname);
  return texts.join('\n');
}

describe.each(DEFINITIONS)('state machine %s', (_name, definition) => {
  const tasks = Object.entries(definition.States).filter(([, s]) => s.Type === 'Task');

  it('passes asl-validator (with the deploy-time references resolved)', () => {
    const { isValid, errorsText } = aslValidator(structuredClone(resolvedAsl(definition)));
    expect(isValid, errorsText('\n')).toBe(true);
  });

  it('names only errors that exist in the code (or are Step Functions / Lambda service errors)', () => {
    const code = sourceText();
    const names = new Set(
      Object.values(definition.States).flatMap((s) => [...(s.Retry ?? []), ...(s.Catch ?? [])].flatMap((r) => r.ErrorEquals)),
    );
    const unknown = [...names].filter((name) => !name.startsWith('States.') && !LAMBDA_ERRORS.includes(name) && !code.includes(`'${name}'`));
    expect(unknown).toEqual([]);
  });

  it.each(tasks.map(([name]) => name))('Task "%s" retries the Lambda service errors and ends its Catch list with States.ALL', (name) => {
    const state = definition.States[name] as AslState;
    expect(state.Retry?.some((r) => LAMBDA_ERRORS.every((e) => r.ErrorEquals.includes(e)))).toBe(true);
    expect(state.Retry?.some((r) => r.ErrorEquals.includes('States.ALL'))).toBe(false);
    expect(state.Catch?.at(-1)?.ErrorEquals).toEqual(['States.ALL']);
  });

  it('reaches Teardown from every state that can fail after a restore was planned', () => {
    for (const [name, state] of tasks) {
      if (['Teardown', 'Record', 'Notify', 'Plan'].includes(name)) continue;
      expect(state.Catch?.at(-1)?.Next, name).toBe('Restored anything?');
    }
    expect((definition.States['Restored anything?'] as AslState).Choices).toEqual([{ Variable: '$.plan', IsPresent: true, Next: 'Teardown' }]);
  });
});
