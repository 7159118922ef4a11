// Reading the policy file on a developer's machine and at packaging time: YAML (or JSON) text in, a
// validated Policy out, or an InvalidPolicy error that names every bad field; and the JSON that
// packaging ships in every Lambda zip. The Lambdas never import this module (no YAML parser in their
// bundles): they read that JSON with json.ts. The per-resource views are re-exported for the CLI.

import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { InvalidPolicy } from '../errors.js';
import { parsePolicyJson } from './json.js';
import type { Policy } from './schema.js';
import { validatePolicy } from './validate.js';

export { findResource, listResources, retentionPolicyFor, type RegionRole, type ResourceKind, type ResourceRef } from './resources.js';

export const DEFAULT_POLICY_FILE = 'backup-policy.yml';

/**
 * Parses YAML (JSON is YAML too). Duplicate keys are errors, not silent overrides; so is a custom tag
 * (`!Ref`, `!!binary`) or anything else the yaml library would only warn about — it would print a Node
 * warning per tag and read the value as a plain string.
 */
export function parseYamlDocument(text: string, source: string): unknown {
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true, logLevel: 'silent' });
  const problem = document.errors[0] ?? document.warnings[0];
  if (problem !== undefined) {
    // prettyErrors: the first line reads "Unresolved tag: !Ref at line 2, column 10:".
    const message = (problem.message.split('\n')[0] ?? problem.code).replace(/:$/, '');
    const reason = problem.code === 'TAG_RESOLVE_FAILED' ? `${message} (custom YAML tags are not supported)` : message;
    throw new InvalidPolicy(`${source}: not valid YAML/JSON: ${reason}`, { cause: problem });
  }
  return document.toJS() as unknown;
}

export function parsePolicy(text: string, source = DEFAULT_POLICY_FILE): Policy {
  return validatePolicy(parseYamlDocument(text, source), source);
}

function readPolicyText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidPolicy(`cannot read policy file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
}

export function loadPolicyFile(path: string = DEFAULT_POLICY_FILE): Policy {
  return parsePolicy(readPolicyText(path), path);
}

/**
 * The policy file as packaging ships it to the Lambdas: the document exactly as parsed, written as
 * JSON (the Lambdas apply the schema's defaults themselves, with the same schema), and the Policy it
 * means. Refused unless the JSON reads back, the way a Lambda reads it, as the same Policy — YAML can
 * say things JSON cannot (`.inf`, `.nan`: the schema refuses them today; this holds if it ever accepts one).
 */
export function policyJson(path: string, source: string = path): { readonly policy: Policy; readonly json: string } {
  const document = parseYamlDocument(readPolicyText(path), source);
  const policy = validatePolicy(document, source);
  const json = `${JSON.stringify(document, null, 2)}\n`;
  const refused = (why: string, cause?: unknown) =>
    new InvalidPolicy(`${source}: the Lambdas would not read the same policy from its JSON (a value JSON cannot carry?): ${why}`, { cause });
  let roundTrip: Policy;
  try {
    roundTrip = parsePolicyJson(json, `${source} as JSON`);
  } catch (error) {
    throw refused(error instanceof Error ? error.message : String(error), error);
  }
  // Compared as JSON: a policy holds plain data only, and -0 reading back as 0 changes nothing.
  if (JSON.stringify(roundTrip) !== JSON.stringify(policy)) throw refused('it reads back differently');
  return { policy, json };
}
