// Which configurations a change is about (README, "Configuration"), pure: a Parameter Store change names
// a parameter, a Secrets Manager call (as CloudTrail delivers it to EventBridge) names a secret by name or
// by ARN; the configurations with `onChange` whose paths hold that parameter or whose secrets name that
// secret are backed up, no other. The same matching builds the EventBridge patterns (deploy/components/
// config/backup.ts), so the rules fire for what the handler then backs up — the rules may fire a little
// wider (EventBridge wildcards cannot say "six characters"), never narrower; the handler is exact.

/** Parameter Store's operations that change what a bundle holds (a label is not captured). */
export const PARAMETER_CHANGE_OPERATIONS = ['Create', 'Update', 'Delete'] as const;

/** Secrets Manager's calls that change a secret's current value (CloudTrail `eventName`), with the member naming the secret. */
export const SECRET_CHANGE_CALLS = {
  CreateSecret: 'name',
  PutSecretValue: 'secretId',
  UpdateSecret: 'secretId',
  RotateSecret: 'secretId',
  RestoreSecret: 'secretId',
  // Rotation moves AWSCURRENT to the version PutSecretValue staged: that is when the value read changes.
  UpdateSecretVersionStage: 'secretId',
} as const satisfies Record<string, 'name' | 'secretId'>;

export type SecretChangeCall = keyof typeof SECRET_CHANGE_CALLS;

export interface WatchedConfiguration {
  readonly name: string;
  readonly ssmParameterPaths: readonly string[];
  readonly secrets: readonly string[];
  readonly onChange: boolean;
}

/** A change as the handler reads it from the event. */
export type ConfigurationChange = { readonly kind: 'parameter'; readonly name: string } | { readonly kind: 'secret'; readonly id: string };

/**
 * The hierarchy a parameter path names, with its trailing "/": GetParametersByPath("/billing") returns
 * "/billing/…" and never "/billing-old/…" nor "/billing" itself, so a change is under "/billing/".
 */
export function parameterPrefix(path: string): string {
  return path.endsWith('/') ? path : `${path}/`;
}

const SECRET_ARN = /^arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:(.+)$/;
/** The random suffix Secrets Manager puts after a secret's name in its full ARN. */
const ARN_SUFFIX = /^-[A-Za-z0-9]{6}$/;

/** A secret id as a name: an ARN (full, with the suffix, or partial) gives what follows "secret:". */
export function secretNameOf(id: string): string {
  return SECRET_ARN.exec(id)?.[1] ?? id;
}

/** A configured secret: a prefix ending in "/", a name, or an ARN (matched by its name). */
function configuredSecretMatches(configured: string, id: string): boolean {
  const name = secretNameOf(id);
  if (configured.endsWith('/')) return name.startsWith(configured);
  // A configured full ARN names its secret by name plus suffix: compare the names.
  const wanted = SECRET_ARN.test(configured) ? stripSuffix(secretNameOf(configured)) : configured;
  // The id's name may carry the suffix (a full ARN) or not (a name, a partial ARN).
  return name === wanted || (name.startsWith(wanted) && ARN_SUFFIX.test(name.slice(wanted.length)));
}

function stripSuffix(nameWithSuffix: string): string {
  const cut = nameWithSuffix.length - 7;
  return cut > 0 && ARN_SUFFIX.test(nameWithSuffix.slice(cut)) ? nameWithSuffix.slice(0, cut) : nameWithSuffix;
}

/** Does this configuration cover the changed parameter or secret? (`onChange` aside.) */
export function covers(configuration: WatchedConfiguration, change: ConfigurationChange): boolean {
  if (change.kind === 'parameter') return configuration.ssmParameterPaths.some((path) => change.name.startsWith(parameterPrefix(path)));
  return configuration.secrets.some((secret) => configuredSecretMatches(secret, change.id));
}

/** The configurations a change backs up: those with `onChange` that cover it (none: the event is a no-op). */
export function configurationsChangedBy<C extends WatchedConfiguration>(configurations: readonly C[], change: ConfigurationChange): C[] {
  return configurations.filter((c) => c.onChange && covers(c, change));
}

/**
 * The EventBridge matchers for the ids a configured secret may arrive as in `requestParameters`: its name
 * (exactly, or by prefix) and any ARN of it (a wildcard: "*" is the only one EventBridge has, so the
 * exact suffix is the handler's to check).
 */
export function secretIdMatchers(configured: string): (string | { prefix: string } | { wildcard: string })[] {
  const escape = (text: string) => text.replace(/[\\*]/g, (c) => `\\${c}`);
  if (configured.endsWith('/')) return [{ prefix: configured }, { wildcard: `arn:*:secretsmanager:*:*:secret:${escape(configured)}*` }];
  const name = SECRET_ARN.test(configured) ? stripSuffix(secretNameOf(configured)) : configured;
  return [name, { wildcard: `arn:*:secretsmanager:*:*:secret:${escape(name)}*` }];
}

/** A change event as EventBridge delivers it, the members read (anything else is ignored). */
export interface ChangeEvent {
  readonly source: string;
  readonly detail?: {
    readonly name?: unknown;
    readonly operation?: unknown;
    readonly eventName?: unknown;
    readonly errorCode?: unknown;
    readonly requestParameters?: Readonly<Record<string, unknown>> | null;
  };
}

/** What an event says changed, or why it changes nothing a bundle holds; `field` names a member missing from an event that should have it. */
export type ReadChange = { readonly change: ConfigurationChange } | { readonly ignored: string } | { readonly invalid: { readonly field: string; readonly message: string } };

export function changeOf(event: ChangeEvent): ReadChange {
  const detail = event.detail ?? {};
  if (event.source === 'aws.ssm') {
    if (typeof detail.name !== 'string' || detail.name === '') return { invalid: { field: 'detail.name', message: 'a Parameter Store change names its parameter' } };
    if (!(PARAMETER_CHANGE_OPERATIONS as readonly unknown[]).includes(detail.operation)) return { ignored: `parameter operation ${String(detail.operation)} changes no captured value` };
    return { change: { kind: 'parameter', name: detail.name } };
  }
  if (event.source === 'aws.secretsmanager') {
    const call = typeof detail.eventName === 'string' && Object.hasOwn(SECRET_CHANGE_CALLS, detail.eventName) ? (detail.eventName as SecretChangeCall) : undefined;
    if (call === undefined) return { ignored: `Secrets Manager call ${String(detail.eventName)} changes no secret value` };
    if (detail.errorCode !== undefined && detail.errorCode !== null) return { ignored: `${call} failed (${typeof detail.errorCode === 'string' ? detail.errorCode : 'an error'})` };
    const member = SECRET_CHANGE_CALLS[call];
    const id = detail.requestParameters?.[member];
    if (typeof id !== 'string' || id === '') return { invalid: { field: `detail.requestParameters.${member}`, message: `a ${call} call names its secret` } };
    return { change: { kind: 'secret', id } };
  }
  return { invalid: { field: 'source', message: 'a change event comes from aws.ssm or aws.secretsmanager' } };
}
