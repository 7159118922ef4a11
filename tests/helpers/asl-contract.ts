// What the ASL contract tests share: asl-validator (typed), the Lambda service errors every Task must
// retry, and the code's text to check that each error name an ASL retries or catches exists as a literal.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { resolvedAsl, type AslDefinition, type AslState } from '../../sandbox/step-functions/asl.js';

const require = createRequire(import.meta.url);

/** asl-validator 4 (no types of its own); it mutates what it is given: pass a copy. */
export const aslValidator = require('asl-validator') as (definition: unknown) => { isValid: boolean; errorsText: (sep?: string) => string };

/** The Lambda service errors a Task retries (the Step Functions guide's "Handling Lambda service exceptions"). */
export const LAMBDA_ERRORS = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];

let text: string | undefined;

/** Every .ts file the Lambdas are built from (functions/ and shared/), joined: read once per test file. */
export function sourceText(): string {
  if (text !== undefined) return text;
  const texts: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) texts.push(readFileSync(path, 'utf8'));
    }
  };
  walk(new URL('../../functions/', import.meta.url).pathname);
  walk(new URL('../../shared/', import.meta.url).pathname);
  text = texts.join('\n');
  return text;
}

/**
 * The error names the states retry or catch that are none of: Step Functions' (States.*), Lambda's
 * service errors, `contract` (names another part's code raises), or a quoted literal in the code.
 */
export function unknownErrorNames(states: readonly AslState[], contract: readonly string[] = []): string[] {
  const code = sourceText();
  const named = new Set(states.flatMap((s) => [...(s.Retry ?? []), ...(s.Catch ?? [])].flatMap((r) => r.ErrorEquals)));
  return [...named].filter((n) => !n.startsWith('States.') && !LAMBDA_ERRORS.includes(n) && !contract.includes(n) && !code.includes(`'${n}'`));
}

export interface AslContractOptions {
  /** Error names another part's code raises (the approval's ApprovalRejected...). */
  contract?: readonly string[];
  /** Every state the definition holds, nested ones included; the top-level States when absent. */
  states?: readonly (readonly [string, AslState])[];
}

/**
 * Registers, in the calling describe, the checks every state machine's definition keeps: it passes
 * asl-validator with the deploy-time references resolved; every error name it retries or catches
 * exists (unknownErrorNames); every Task that invokes a Lambda (nested ones included) retries the Lambda
 * service errors; no Task retries States.ALL; every top-level Task, Parallel and Map ends its Catch list with States.ALL (the
 * failure path that alerts).
 */
export function itKeepsTheAslContract(definition: AslDefinition, options: AslContractOptions = {}): void {
  const states = options.states ?? Object.entries(definition.States);
  const tasks = states.filter(([, s]) => s.Type === 'Task').map(([name, state]) => [name, state] as const);
  const lambdaTasks = tasks.filter(([, s]) => invokesLambda(s));
  const caught = Object.entries(definition.States).filter(([, s]) => ['Task', 'Parallel', 'Map'].includes(s.Type));

  it('passes asl-validator (with the deploy-time references resolved)', () => {
    const { isValid, errorsText } = aslValidator(structuredClone(resolvedAsl(definition)));
    expect(isValid, errorsText('\n')).toBe(true);
  });

  it('names only errors that exist in the code, Step Functions, Lambda, or the contract', () => {
    expect(unknownErrorNames(states.map(([, s]) => s), options.contract)).toEqual([]);
  });

  it.each(lambdaTasks)('Task "%s" retries the Lambda service errors', (_name, state) => {
    expect(state.Retry?.some((r) => LAMBDA_ERRORS.every((e) => r.ErrorEquals.includes(e)))).toBe(true);
  });

  it.each(tasks)('Task "%s" never retries States.ALL', (_name, state) => {
    expect((state.Retry ?? []).some((r) => r.ErrorEquals.includes('States.ALL'))).toBe(false);
  });

  it.each(caught)('"%s" ends its Catch list with States.ALL (the failure path alerts)', (_name, state) => {
    expect(state.Catch?.at(-1)?.ErrorEquals).toEqual(['States.ALL']);
  });
}

/** A Task that invokes a Lambda: a function's ARN (a deploy-time reference) or the lambda:invoke integration — not, say, a nested execution. */
function invokesLambda(state: AslState): boolean {
  return typeof state.Resource !== 'string' || !state.Resource.startsWith('arn:aws:states:::') || state.Resource.startsWith('arn:aws:states:::lambda:');
}
