// A stand-in for the SSM Parameter Store calls backup-dr makes (a configuration's backup, its restore test
// and its restore), per Region of the calling client, as the API reference documents them:
//
// - GetParametersByPath: the parameters under a path ("/app/prod" and "/app/prod/" alike), only its
//   direct children unless Recursive; at most MaxResults (1-10, default 10, more is ValidationException)
//   a page with NextToken for the rest; SecureString values decrypted only WithDecryption (otherwise the
//   ciphertext, never the value).
// - GetParameter: by name, or "name:version"; ParameterNotFound, ParameterVersionNotFound.
// - PutParameter: a new parameter is version 1; an existing one is ParameterAlreadyExists unless
//   Overwrite, which makes the next version (the Type kept when none is given); a hierarchical name must
//   begin with "/", and no name may begin with "aws" or "ssm" (ValidationException).
// - GetParameterHistory: every version, oldest first, at most MaxResults (1-50, default 50) a page.
//
// Each answer carries LastModifiedDate (the time the version was written) and Version as SSM's do.

import {
  GetParameterCommand,
  GetParameterHistoryCommand,
  GetParametersByPathCommand,
  InvalidNextToken,
  ParameterAlreadyExists,
  ParameterNotFound,
  ParameterVersionNotFound,
  PutParameterCommand,
  SSMClient,
  SSMServiceException,
  type ParameterType,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { createHash } from 'node:crypto';
import { LOCAL_ACCOUNT } from '../lambda-context.js';

interface ParameterVersion {
  readonly version: number;
  readonly type: ParameterType;
  readonly value: string;
  readonly writtenAt: number;
}

const meta = { $metadata: { httpStatusCode: 400 } };
const validation = (message: string) => new SSMServiceException({ name: 'ValidationException', message, $fault: 'client', ...meta });

/** What SSM answers for a SecureString read without decryption: a ciphertext, not the value (a digest of it here). */
function ciphertext(value: string): string {
  return `AQICAH${createHash('sha256').update(value).digest('base64')}`;
}

export class SsmStandIn {
  /** Per Region, per name: the versions, oldest first. */
  readonly #parameters = new Map<string, Map<string, ParameterVersion[]>>();
  #mock: { restore(): void } | undefined;
  readonly #now: () => number;
  /** Every PutParameter the stand-in answered (not the setup's put()), in order: region, name, version, when. */
  readonly #writes: { region: string; name: string; version: number; at: number }[] = [];

  /** `now`: the time versions are written at (default the real time). */
  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** Writes a version of `name` in `region` as PutParameter with Overwrite would (for a test's or drill's setup); its number. */
  put(region: string, name: string, value: string, type: ParameterType = 'String'): number {
    return this.#write(region, name, value, type, true);
  }

  /** Every version of a parameter, oldest first (empty when there is none). */
  /** The writes made through PutParameter (by the code under test), oldest first. */
  writes(): readonly { readonly region: string; readonly name: string; readonly version: number; readonly at: number }[] {
    return [...this.#writes];
  }

  /** The value of `name` in `region` now (undefined: no such parameter). */
  current(region: string, name: string): string | undefined {
    return this.#parameters.get(region)?.get(name)?.at(-1)?.value;
  }

  history(region: string, name: string): readonly ParameterVersion[] {
    return [...(this.#parameters.get(region)?.get(name) ?? [])];
  }

  #write(region: string, name: string, value: string, type: ParameterType | undefined, overwrite: boolean): number {
    if (name.includes('/') && !name.startsWith('/')) throw validation('Parameter name: a fully qualified parameter name must begin with a forward slash "/"');
    if (/^\/?(aws|ssm)/i.test(name)) throw validation('Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).');
    const byName = this.#parameters.get(region) ?? new Map<string, ParameterVersion[]>();
    this.#parameters.set(region, byName);
    const versions = byName.get(name) ?? [];
    const latest = versions.at(-1);
    if (latest !== undefined && !overwrite) throw new ParameterAlreadyExists({ message: 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.', ...meta });
    if (latest === undefined && type === undefined) throw validation('A parameter type is required when you create a parameter.');
    const version = (latest?.version ?? 0) + 1;
    byName.set(name, [...versions, { version, type: type ?? latest!.type, value, writtenAt: this.#now() }]);
    return version;
  }

  #answer(region: string, name: string, v: ParameterVersion, decrypt: boolean) {
    return {
      Name: name,
      Type: v.type,
      Value: v.type === 'SecureString' && !decrypt ? ciphertext(v.value) : v.value,
      Version: v.version,
      LastModifiedDate: new Date(v.writtenAt),
      ARN: `arn:aws:ssm:${region}:${LOCAL_ACCOUNT}:parameter${name.startsWith('/') ? '' : '/'}${name}`,
      DataType: 'text',
    };
  }

  install(): void {
    const mock = mockClient(SSMClient);
    mock.on(GetParametersByPathCommand).callsFake(async (input: { Path?: string; Recursive?: boolean; WithDecryption?: boolean; MaxResults?: number; NextToken?: string }, getClient: () => SSMClient) => {
      const region = await getClient().config.region();
      const path = input.Path ?? '';
      if (!path.startsWith('/')) throw validation('The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/".');
      const max = input.MaxResults ?? 10;
      if (max < 1 || max > 10) throw validation(`1 validation error detected: Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10`);
      const prefix = path.endsWith('/') ? path : `${path}/`;
      const names = [...(this.#parameters.get(region)?.keys() ?? [])]
        .filter((name) => name.startsWith(prefix) && (input.Recursive === true || !name.slice(prefix.length).includes('/')))
        .sort();
      const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
      if (!Number.isInteger(start) || start < 0 || start > names.length) throw new InvalidNextToken({ message: 'The specified token isn\'t valid.', ...meta });
      const page = names.slice(start, start + max);
      const more = start + max < names.length;
      return {
        Parameters: page.map((name) => this.#answer(region, name, this.#parameters.get(region)!.get(name)!.at(-1)!, input.WithDecryption === true)),
        ...(more ? { NextToken: String(start + max) } : {}),
      };
    });
    mock.on(GetParameterCommand).callsFake(async (input: { Name?: string; WithDecryption?: boolean }, getClient: () => SSMClient) => {
      const region = await getClient().config.region();
      const [, name = '', selector] = /^(.*?)(?::(\d+))?$/.exec(input.Name ?? '') ?? [];
      const versions = this.#parameters.get(region)?.get(name);
      if (versions === undefined || versions.length === 0) throw new ParameterNotFound({ message: `Parameter ${name} not found.`, ...meta });
      const version = selector === undefined ? versions.at(-1) : versions.find((v) => v.version === Number(selector));
      if (version === undefined) throw new ParameterVersionNotFound({ message: `Systems Manager could not find version ${selector ?? ''} of ${name}.`, ...meta });
      return { Parameter: { ...this.#answer(region, name, version, input.WithDecryption === true), ...(selector === undefined ? {} : { Selector: `:${selector}` }) } };
    });
    mock.on(PutParameterCommand).callsFake(async (input: { Name?: string; Value?: string; Type?: ParameterType; Overwrite?: boolean }, getClient: () => SSMClient) => {
      const region = await getClient().config.region();
      if (input.Name === undefined || input.Value === undefined) throw validation('Name and Value are required.');
      const version = this.#write(region, input.Name, input.Value, input.Type, input.Overwrite === true);
      this.#writes.push({ region, name: input.Name, version, at: this.#now() });
      return { Version: version, Tier: 'Standard' as const };
    });
    mock.on(GetParameterHistoryCommand).callsFake(async (input: { Name?: string; WithDecryption?: boolean; MaxResults?: number; NextToken?: string }, getClient: () => SSMClient) => {
      const region = await getClient().config.region();
      const name = input.Name ?? '';
      const versions = this.#parameters.get(region)?.get(name);
      if (versions === undefined || versions.length === 0) throw new ParameterNotFound({ message: `Parameter ${name} not found.`, ...meta });
      const max = input.MaxResults ?? 50;
      if (max < 1 || max > 50) throw validation(`1 validation error detected: Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50`);
      const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
      const page = versions.slice(start, start + max);
      const more = start + max < versions.length;
      return {
        Parameters: page.map((v) => {
          const { ARN: _arn, DataType: _type, ...history } = this.#answer(region, name, v, input.WithDecryption === true);
          return { ...history, Labels: [] };
        }),
        ...(more ? { NextToken: String(start + max) } : {}),
      };
    });
    this.#mock = mock;
  }

  restore(): void {
    this.#mock?.restore();
    this.#mock = undefined;
  }
}
