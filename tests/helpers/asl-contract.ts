// What the ASL contract tests share: asl-validator (typed), the Lambda service errors every Task must
// retry, and the code's text to check that each error name an ASL retries or catches exists as a literal.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { AslState } from '../../sandbox/step-functions/asl.js';

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
