// The policy as the Lambdas read it: packaging writes the YAML document as JSON (policyJson), each
// Lambda reads it back with JSON.parse and the same schema (parsePolicyJson / loadPolicyJson), and a
// file that is not JSON or not a valid policy fails naming the file and the field.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { InvalidPolicy } from '../../../shared/errors.js';
import { loadPolicyJson, parsePolicyJson } from '../../../shared/policy/json.js';
import { parsePolicy, policyJson } from '../../../shared/policy/load.js';

const POLICY_PATH = new URL('../../../backup-policy.yml', import.meta.url);
const DEFAULT_TEXT = readFileSync(POLICY_PATH, 'utf8');
const scratch = mkdtempSync(join(tmpdir(), 'backup-dr-policy-json-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function fileWith(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

function errorOf(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidPolicy);
    return (error as Error).message;
  }
  throw new Error('expected the policy to be rejected');
}

describe('the packaged policy JSON', () => {
  it('is the YAML document as parsed, and the Lambdas read the same policy from it', () => {
    const { policy, json } = policyJson(fileWith('backup-policy.yml', DEFAULT_TEXT), 'backup-policy.yml');
    expect(JSON.parse(json)).toEqual(parse(DEFAULT_TEXT));
    expect(policy).toEqual(parsePolicy(DEFAULT_TEXT));
    expect(parsePolicyJson(json, 'build/backup-policy.json')).toEqual(policy);
    expect(loadPolicyJson(fileWith('backup-policy.json', json))).toEqual(policy);
  });

  it('leaves the defaults to the schema the Lambdas apply (absent keys stay absent)', () => {
    const { policy, json } = policyJson(fileWith('short.yml', DEFAULT_TEXT.replace(/^dryRun: .*$/m, '')), 'short.yml');
    expect(JSON.parse(json)).not.toHaveProperty('dryRun');
    expect(policy.dryRun).toBe(false);
    expect(parsePolicyJson(json, 'short.json').dryRun).toBe(false);
  });

  it('is not written for an invalid policy: the error names the field', () => {
    const path = fileWith('broken.yml', DEFAULT_TEXT.replace('schedule: cron(0 2 * * ? *)', 'schedule: cron(0 25 * * ? *)'));
    expect(errorOf(() => policyJson(path, 'broken.yml'))).toMatch(/^broken\.yml is invalid:\nresources\.databases\[0\]\.schedule: /);
  });

  it('carries a negative zero as the zero it means', () => {
    const text = DEFAULT_TEXT.replace('rowCounts: { mode: captured, tolerance: 0 }', 'rowCounts: { mode: captured, tolerance: -0.0 }');
    expect(text).not.toBe(DEFAULT_TEXT);
    expect(policyJson(fileWith('negative-zero.yml', text), 'negative-zero.yml').policy.resources.databases[0]?.validation.rowCounts.tolerance).toBe(-0);
  });
});

describe('reading the policy JSON at cold start', () => {
  const json = policyJson(fileWith('team.yml', DEFAULT_TEXT), 'team.yml').json;

  it('refuses a file that is not JSON, naming it', () => {
    expect(errorOf(() => parsePolicyJson(DEFAULT_TEXT, 'build/backup-policy.json'))).toMatch(/^build\/backup-policy\.json: not valid JSON: /);
    expect(errorOf(() => parsePolicyJson(json.slice(0, -10), 'build/backup-policy.json'))).toMatch(/^build\/backup-policy\.json: not valid JSON: /);
  });

  it('refuses an invalid policy, naming the field', () => {
    const document = JSON.parse(json) as Record<string, any>;
    document.resources.databases[0].retention.withinDaily = '30 days';
    document.timezone = 'Asia/Tokio';
    const message = errorOf(() => parsePolicyJson(JSON.stringify(document), 'build/backup-policy.json'));
    expect(message).toMatch(/^build\/backup-policy\.json is invalid:\n/);
    expect(message).toContain('timezone: unknown IANA time zone "Asia/Tokio"');
    expect(message).toContain('resources.databases[0].retention.withinDaily: "30 days" is not a duration');
  });

  it('refuses an empty document and a missing file, naming the file', () => {
    expect(errorOf(() => parsePolicyJson('null', 'build/backup-policy.json'))).toMatch(/^build\/backup-policy\.json is invalid:\n/);
    expect(errorOf(() => loadPolicyJson(join(scratch, 'no-such-policy.json')))).toBe(`cannot read policy file ${join(scratch, 'no-such-policy.json')}: ENOENT`);
  });
});
