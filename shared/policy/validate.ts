// A policy document (already read from YAML or JSON) checked against the schema: a Policy with the
// schema's defaults applied, or an InvalidPolicy that names every bad field. Shared by the YAML reader
// (CLI, packaging: load.ts) and the JSON reader the Lambdas use (json.ts), so both fail alike.

import { InvalidPolicy } from '../errors.js';
import { describeIssues } from './fields.js';
import { policySchema, type Policy } from './schema.js';

export function validatePolicy(document: unknown, source: string): Policy {
  const result = policySchema.safeParse(document);
  if (!result.success) {
    throw new InvalidPolicy(`${source} is invalid:\n${describeIssues(result.error)}`, { cause: result.error });
  }
  return result.data;
}
