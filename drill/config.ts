// The drill's configuration part, on the SSM, Secrets Manager and S3 stand-ins: a sample configuration
// (plain and SecureString parameters, a StringList, a JSON secret and a plain one) backed up by the real
// back-up-configuration handler, replicated to the secondary's config bucket as S3 replication would; a
// second backup with nothing changed writes nothing; a parameter changed, and the next backup writes a new
// version; then one more change not backed up yet (drift within the RPO), and the real weekly restore test
// reads both copies, checks them and compares with the live values — passed, with its counts. Fault:
// config-tampered (the primary's stored bundle altered after it was written: the restore test must fail
// with BundleTampered and an alert). Nothing printed here or by the handlers' results holds a value.

import { handler as backupHandler } from '../functions/config/back-up-configuration/handler.js';
import { handler as restoreTestHandler } from '../functions/config/test-configuration-restore/handler.js';
import type { S3StandIn } from '../sandbox/aws/s3-standin.js';
import type { SecretsStandIn } from '../sandbox/aws/secrets-standin.js';
import type { SsmStandIn } from '../sandbox/aws/ssm-standin.js';
import { lambdaContext } from '../sandbox/lambda-context.js';
import { alertText, type Alert } from '../shared/alerts/alert.js';
import { configBucketName, configBundleKey, ENV } from '../shared/contracts.js';
import { errorMessage, errorName } from '../shared/errors.js';
import type { Policy } from '../shared/policy/schema.js';
import type { ConfigFault } from './data-plane.js';

export interface ConfigDrillOptions {
  readonly policy: Policy;
  readonly stage: string;
  readonly account: string;
  readonly s3: S3StandIn;
  readonly secrets: SecretsStandIn;
  /** Installed here, restored by the drill's cleanup (run.ts). */
  readonly ssm: SsmStandIn;
  readonly fault: ConfigFault | null;
  readonly alerts: readonly Alert[];
  readonly useRuntime: (role: 'primary' | 'secondary') => void;
  readonly print: (line: string) => void;
  readonly signal: AbortSignal;
}

export interface ConfigDrillResult {
  readonly outcome: 'passed' | 'failed';
  readonly caughtBy: readonly string[];
}

/** The sample configuration: names the drill may print, values it must never print (tests/drill/config-drill.test.ts looks for each). */
export const SAMPLE_CONFIGURATION = {
  parameters: [
    { name: '/app/prod/db/host', value: 'app-db-prod.cluster-drill.ap-northeast-1.rds.amazonaws.com', type: 'String' },
    { name: '/app/prod/db/port', value: '5432', type: 'String' },
    { name: '/app/prod/api/token', value: 'tok_live_DrillSecureString_9f8e7d', type: 'SecureString' },
    { name: '/app/prod/mail/smtp-password', value: 'smtp-DrillSecureString-Pa55', type: 'SecureString' },
    { name: '/app/prod/feature/regions', value: 'ap-northeast-1,ap-southeast-1', type: 'StringList' },
  ],
  secrets: [
    { name: 'app/prod/db', value: { username: 'app', password: 'pg-DrillJsonSecret-Pa55w0rd' } },
    { name: 'app/prod/stripe', value: 'sk_live_DrillPlainSecret_1a2b3c' },
  ],
  /** The change backed up, and the one made after the last backup (drift). */
  changed: { name: '/app/prod/db/host', value: 'app-db-prod-2.cluster-drill.ap-northeast-1.rds.amazonaws.com' },
  drifted: { name: '/app/prod/api/token', value: 'tok_live_DrillSecureString_rotated_0a1b' },
} as const;

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const pad = (text: string, width: number) => text.padEnd(width);

export async function runConfigDrill(options: ConfigDrillOptions): Promise<ConfigDrillResult> {
  const { policy, s3, secrets, ssm, fault, print, signal } = options;
  const configuration = policy.resources.configuration[0];
  print('');
  if (configuration === undefined) {
    print('Configuration: SKIPPED — the policy backs up no configuration.');
    return { outcome: 'passed', caughtBy: [] };
  }
  const { primary, secondary } = policy.regions;
  const primaryBucket = configBucketName(options.stage, options.account, primary);
  const secondaryBucket = configBucketName(options.stage, options.account, secondary);
  const key = configBundleKey(configuration.name);
  process.env[ENV.configBucket] = primaryBucket;
  process.env[ENV.peerConfigBucket] = secondaryBucket;
  process.env[ENV.configKey] = `arn:aws:kms:${primary}:${options.account}:key/drill-config-key`;

  for (const p of SAMPLE_CONFIGURATION.parameters) ssm.put(primary, p.name, p.value, p.type);
  for (const s of SAMPLE_CONFIGURATION.secrets) secrets.put(primary, s.name, s.value);
  ssm.install();
  const kinds = SAMPLE_CONFIGURATION.parameters.reduce<Record<string, number>>((n, p) => ({ ...n, [p.type]: (n[p.type] ?? 0) + 1 }), {});
  print(`Configuration — ${configuration.name}: ${SAMPLE_CONFIGURATION.parameters.length} parameters under ${configuration.ssmParameterPaths.join(', ')} (${Object.entries(kinds).map(([t, n]) => `${n} ${t}`).join(', ')}) and ${SAMPLE_CONFIGURATION.secrets.length} secrets under ${configuration.secrets.join(', ')} (one JSON), on the SSM and Secrets Manager stand-ins${fault === null ? '' : ` with the fault "${fault}"`}`);
  print(`  bundles: s3://${primaryBucket}/${key} (Tokyo), replicated to s3://${secondaryBucket}/${key} (Singapore)`);

  const caughtBy: string[] = [];
  const seen = options.alerts.length;
  /** Runs a handler and prints its line: ✓, or ✗ when it threw or `failed` says its result is a failure. */
  const step = async <T>(name: string, run: () => Promise<T>, describe: (result: T) => string, failed: (result: T) => boolean = () => false): Promise<T | null> => {
    signal.throwIfAborted();
    options.useRuntime('primary');
    const started = Date.now();
    try {
      const result = await run();
      print(`  ${failed(result) ? '✗' : '✓'} ${pad(name, 41)} ${pad(seconds(Date.now() - started), 9)} ${describe(result)}`);
      return result;
    } catch (error) {
      signal.throwIfAborted();
      print(`  ✗ ${pad(name, 41)} ${pad(seconds(Date.now() - started), 9)} ${errorName(error)}: ${errorMessage(error)}`);
      caughtBy.push(`${name} (${errorName(error)})`);
      return null;
    }
  };
  const backup = (name: string) =>
    step(
      name,
      async () => (await backupHandler({ resources: [configuration.name] }, lambdaContext('back-up-configuration', { region: primary }))).outcomes,
      (outcomes) => outcomes.map((o) => (o.status === 'failed' ? `${o.resource}: failed (${o.error})` : `${o.resource}: ${o.status}, ${o.parameters} parameters and ${o.secrets} secrets, SHA-256 ${o.sha256.slice(0, 12)}…${o.versionId === undefined ? '' : `, version ${o.versionId}`}`)).join('; '),
    );
  const replicate = () => {
    const copied = s3.replicate(primaryBucket, secondaryBucket, 'config/');
    print(`  ✓ ${pad('S3 replication (config bucket)', 41)} ${pad(seconds(0), 9)} ${copied.length} version${copied.length === 1 ? '' : 's'} to ${secondaryBucket}`);
  };

  print('');
  print('Configuration backups (real handler; SSM, Secrets Manager and S3 sandboxed)');
  await backup('back-up-configuration');
  replicate();
  await backup('back-up-configuration (nothing changed)');
  ssm.put(primary, SAMPLE_CONFIGURATION.changed.name, SAMPLE_CONFIGURATION.changed.value);
  print(`  · ${SAMPLE_CONFIGURATION.changed.name} changed (version ${ssm.history(primary, SAMPLE_CONFIGURATION.changed.name).length}); Parameter Store's change event runs the backup`);
  await backup('back-up-configuration (on change)');
  replicate();
  ssm.put(primary, SAMPLE_CONFIGURATION.drifted.name, SAMPLE_CONFIGURATION.drifted.value, 'SecureString');
  print(`  · ${SAMPLE_CONFIGURATION.drifted.name} changed just now, not backed up yet (its change event still on its way)`);
  print(`  ${s3.versions(primaryBucket, key).length} versions of ${key} in the primary, ${s3.versions(secondaryBucket, key).length} in the secondary`);

  if (fault === 'config-tampered') {
    // A byte of the stored bundle changed after S3 stored its checksum (a parameter's version number: no value is printed).
    s3.tamper(primaryBucket, key, (bytes) => bytes.toString('utf8').replace(/"version":(\d+)/, (_m, n: string) => `"version":${Number(n) + 1}`));
    print(`  ! the bytes of s3://${primaryBucket}/${key} were altered after S3 stored their checksum (--break config-tampered)`);
  }

  print('');
  print('Configuration restore test (real handler: both copies decrypted and checked, compared with the live values)');
  const results = await step(
    'test-configuration-restore',
    async () => (await restoreTestHandler({ resources: [configuration.name] }, lambdaContext('test-configuration-restore', { region: primary }))).results,
    (results) => results.map((r) => `${r.resource}: ${r.outcome.toUpperCase()}`).join('; '),
    (results) => results.some((r) => r.outcome === 'failed'),
  );
  for (const result of results ?? []) {
    if (result.outcome === 'already-recorded') continue;
    if (result.bundle !== null) print(`    bundle    ${result.bundle.parameters} parameters, ${result.bundle.secrets} secrets, SHA-256 ${result.bundle.sha256.slice(0, 12)}…, captured ${result.bundle.capturedAt}`);
    if (result.replica !== null) print(`    replica   ${result.replica.state}${result.replica.behindMs === null ? '' : `, behind the primary for ${seconds(result.replica.behindMs)}`}`);
    print(`    missing   ${result.missing.length === 0 ? 'none: every configured path and secret is in the bundle' : result.missing.join(', ')}`);
    if (result.drift !== null) {
      const { parameters: p, secrets: s } = result.drift;
      print(`    drift     parameters ${p.added} added, ${p.changed} changed, ${p.removed} removed; secrets ${s.added} added, ${s.changed} changed, ${s.removed} removed`);
    }
    for (const note of result.notes) print(`    · ${note}`);
    for (const failure of result.failures) print(`    ✗ ${failure}`);
    print(`    evidence  ${result.evidenceKey ?? '(not written)'}`);
    if (result.outcome === 'failed') caughtBy.push(...result.failures.map((f) => `test-configuration-restore (${/BundleTampered/.test(f) ? 'BundleTampered' : f.slice(0, 60)})`));
  }
  const raised = options.alerts.slice(seen).filter((a) => a.severity !== 'info');
  for (const alert of raised) {
    print('Alert that would be sent to the alerts topic:');
    for (const line of alertText(alert, policy.timezone).split('\n')) print(`  | ${line}`);
  }
  if (raised.length > 0 && caughtBy.length === 0) caughtBy.push(...raised.map((a) => `${a.kind} (${a.source})`));
  const outcome = caughtBy.length === 0 ? 'passed' : 'failed';
  print('');
  print(`Configuration outcome: ${outcome.toUpperCase()}${caughtBy.length === 0 ? '' : ` (${[...new Set(caughtBy)].join(', ')})`}`);
  return { outcome, caughtBy: [...new Set(caughtBy)] };
}
