// Whether a restored PostgreSQL database proves its backup: connect, then schema (tables and the schema
// fingerprint), row counts, content fingerprints, amcheck, freshness and the policy's assertions, each a
// result in the report, and the outcome they add up to — passed, failed, or inconclusive when a check the
// policy requires could not run or had nothing to compare. The reference is the pair of manifests
// captured just before and just after the snapshot: the restore must lie between them.

import { listTables, serverVersion, type ServerVersion } from '../../../shared/rds/postgres/catalog.js';
import { ConnectFailed, describeFault, describeTarget, isDatabaseFault, openSession, validationSessionOptions, type Session, type SessionOptions } from '../../../shared/rds/postgres/connection.js';
import { redact } from '../../../shared/rds/postgres/redact.js';
import type { ConnectionSpec, SourceManifest, ValidationConfig } from '../../../shared/rds/postgres/types.js';
import type { RestoreKind } from '../../../shared/rds/restore-run.js';
import {
  amcheckExemption,
  checkAmcheck,
  checkAssertion,
  checkFreshness,
  checkRowCounts,
  checkSchema,
  freshnessExemption,
  rowCountsExemption,
  schemaExemption,
  type CheckContext,
  type Exemption,
  type LazySession,
} from './checks.js';
import { checkContent, contentExemption } from './content-check.js';
import { validationOutcome } from './plan.js';
import type { CheckOutcome, CheckResult, ValidationReport } from './types.js';

export type { ConnectionSpec, SourceManifest, ValidationConfig } from '../../../shared/rds/postgres/types.js';
export type { CheckResult, CheckStatus, Outcome, ValidationReport } from './types.js';

const NO_CONNECTION = 'not run: no connection';
const CONNECTION_LOST = 'not run: the connection to the restored database was lost';

const sessionOptions = (config: ValidationConfig): SessionOptions => validationSessionOptions(config, 'backup-dr validate-restore');

interface PlannedCheck {
  readonly name: string;
  /** Why the policy does not require this check for this kind of test (then it is skipped), or null. */
  readonly exempt: string | null;
  readonly run: (ctx: CheckContext) => Promise<CheckOutcome>;
}

const required: Exemption = () => null;

/** Every check after connectivity, in report order. */
function plannedChecks(config: ValidationConfig, kind: RestoreKind): PlannedCheck[] {
  const check = (name: string, exemption: Exemption, run: PlannedCheck['run']): PlannedCheck => ({ name, exempt: exemption(config, kind), run });
  return [
    check('schema', schemaExemption, checkSchema),
    check('row-counts', rowCountsExemption, checkRowCounts),
    check('content', contentExemption, checkContent),
    check('amcheck', amcheckExemption, checkAmcheck),
    check('freshness', freshnessExemption, checkFreshness),
    ...config.assertions.map((assertion) => check(`assertion:${assertion.name}`, required, (ctx) => checkAssertion(ctx, assertion))),
  ];
}

/** A database's failure as a check outcome; anything else is a bug here and is thrown. */
function faultOutcome(error: unknown): CheckOutcome {
  if (!isDatabaseFault(error)) throw error;
  const detail = error instanceof ConnectFailed ? error.message : `query failed: ${describeFault(error)}`;
  return { status: 'failed', detail };
}

async function timed(name: string, now: () => number, run: () => Promise<CheckOutcome>): Promise<CheckResult> {
  const started = now();
  let outcome: CheckOutcome;
  try {
    outcome = await run();
  } catch (error) {
    outcome = faultOutcome(error);
  }
  return { name, ...outcome, durationMs: now() - started };
}

/** A check that did not run: skipped when the policy does not require it, else inconclusive (`why` it did not run). */
function notRun(check: PlannedCheck, why: string): CheckResult {
  return check.exempt === null ? { name: check.name, status: 'inconclusive', detail: why, durationMs: 0 } : { name: check.name, status: 'skipped', detail: check.exempt, durationMs: 0 };
}

interface Connected {
  readonly result: CheckResult;
  readonly session: Session | null;
  readonly version: ServerVersion | null;
}

function versionNote(version: ServerVersion, manifest: SourceManifest | null): string {
  if (manifest === null || manifest.serverVersion === version.short) return '';
  return `; the source ran ${manifest.serverVersion} when the snapshot was taken`;
}

/** The connectivity check: open the session and read the version; the session stays open on success. */
async function connect(connection: ConnectionSpec, config: ValidationConfig, manifest: SourceManifest | null, now: () => number): Promise<Connected> {
  const started = now();
  let session: Session | null = null;
  try {
    session = await openSession(connection, sessionOptions(config));
    const version = await serverVersion(session.client);
    const detail = `connected to ${describeTarget(connection)}: ${version.full}${versionNote(version, manifest)}`;
    return { session, version, result: { name: 'connectivity', status: 'passed', detail, durationMs: now() - started, observed: { serverVersion: version.short } } };
  } catch (error) {
    await session?.close();
    return { session: null, version: null, result: { name: 'connectivity', ...faultOutcome(error), durationMs: now() - started } };
  }
}

/** Opens the live source on first use; `close` releases it if it was opened. */
function lazySession(spec: ConnectionSpec, options: SessionOptions): LazySession & { close(): Promise<void> } {
  let opening: Promise<Session> | null = null;
  return {
    session: () => (opening ??= openSession(spec, options)),
    close: async () => {
      const session = await opening?.catch(() => null);
      await session?.close();
    },
  };
}

function memo<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | null = null;
  return () => (loaded ??= load());
}

/** After a failed check: does the restored session still answer? (The server may have ended it.) */
async function stillAnswers(session: Session): Promise<boolean> {
  if (!session.alive()) return false;
  try {
    await session.client.query('select 1');
    return true;
  } catch {
    return false;
  }
}

/** Runs the planned checks in order; once the restored session is gone, the rest do not run. */
async function runChecks(planned: readonly PlannedCheck[], ctx: CheckContext, now: () => number): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  let connected = true;
  for (const check of planned) {
    if (check.exempt !== null || !connected) {
      results.push(notRun(check, CONNECTION_LOST));
      continue;
    }
    const result = await timed(check.name, now, () => check.run(ctx));
    results.push(result);
    if (result.status === 'failed') connected = await stillAnswers(ctx.restored);
  }
  return results;
}

function redactResult(result: CheckResult, secrets: readonly (string | undefined)[]): CheckResult {
  return { ...result, detail: redact(result.detail, secrets) };
}

/** Runs every check against the restored database and returns the report; never throws for a failing check (a failing check is a result), throws only for programming errors. */
export async function validateRestore(input: {
  connection: ConnectionSpec;
  config: ValidationConfig;
  /** snapshot: a manifest is expected with it; pitr: none exists, and freshness proves the RPO. */
  kind: RestoreKind;
  /** The manifest captured just before the snapshot (or the only one: a manifest from before bracketing). */
  manifest: SourceManifest | null;
  /** The manifest captured once the snapshot existed, if there is one. */
  after?: SourceManifest | null;
  liveSource?: ConnectionSpec;
  /** Snapshot time or PITR target, epoch ms. */
  referenceTime: number;
  rpoTargetMs: number;
  now: () => number;
}): Promise<ValidationReport> {
  const { config, now } = input;
  const bracket = { before: input.manifest, after: input.after ?? null };
  const manifest = bracket.before ?? bracket.after;
  const startedAt = now();
  const planned = plannedChecks(config, input.kind);
  const facts = { newestData: null as number | null, warnings: [] as string[] };
  const live = input.liveSource === undefined ? null : lazySession(input.liveSource, sessionOptions(config));
  const connected = await connect(input.connection, config, manifest, now);
  const restored = connected.session;
  let results: CheckResult[];
  try {
    const later =
      restored === null
        ? planned.map((check) => notRun(check, NO_CONNECTION))
        : await runChecks(
            planned,
            {
              restored,
              config,
              kind: input.kind,
              bracket,
              manifest,
              live,
              referenceTime: input.referenceTime,
              rpoTargetMs: input.rpoTargetMs,
              restoredTables: memo(() => listTables(restored.client, null)),
              now,
              facts,
            },
            now,
          );
    results = [connected.result, ...later];
  } finally {
    await restored?.close();
    await live?.close();
  }
  const secrets = [input.connection.password, input.liveSource?.password];
  const checks = results.map((result) => redactResult(result, secrets));
  return {
    outcome: validationOutcome(checks),
    checks,
    warnings: facts.warnings.map((warning) => redact(warning, secrets)),
    serverVersion: connected.version?.short ?? null,
    newestData: facts.newestData,
    startedAt,
    finishedAt: now(),
  };
}
