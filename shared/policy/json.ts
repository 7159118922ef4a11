// The policy as the Lambdas read it at cold start: the JSON that packaging wrote from the validated
// YAML (deploy/serverless.cjs), parsed with JSON.parse and validated again with the same schema — no
// YAML parser in any Lambda bundle. A file that is missing, not JSON or not a valid policy is an
// InvalidPolicy naming the file and, for a bad policy, every bad field.

import { readFileSync } from 'node:fs';
import { InvalidPolicy } from '../errors.js';
import type { Policy } from './schema.js';
import { validatePolicy } from './validate.js';

export function parsePolicyJson(text: string, source: string): Policy {
  let document: unknown;
  try {
    document = JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidPolicy(`${source}: not valid JSON: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return validatePolicy(document, source);
}

export function loadPolicyJson(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidPolicy(`cannot read policy file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
  return parsePolicyJson(text, path);
}
