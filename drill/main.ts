// `npm run drill [-- --break <fault>] [-- --inject-sql "<SQL>" …] [-- --inject-redis "<command>" …]`: the
// local restore drill of the database and the cache; `npm run drill -- --scenario <name>`: a recovery
// runbook rehearsed on the same sandbox (partial-restore: drill/partial-restore.ts; region-failover and
// rehearsal: drill/region-failover.ts).
//
// Exit codes: 0 the drill passed; 1 it failed or was inconclusive (the verdict, printed as RESULT); 2 bad
// arguments; 3 the drill could not reach a verdict (an injected statement failed, its PostgreSQL went
// away, an unexpected error, or its cleanup was incomplete); 128 + n when stopped by signal n (130 Ctrl-C).
// Whatever it creates (databases, a private PostgreSQL, temporary files) it removes, also on Ctrl-C —
// however many times the signal arrives (a terminal sends it to the whole process group; a wrapper such
// as tsx sends it on to this process again). `npm run drill` runs this file compiled (drill/build.ts).

import { constants } from 'node:os';
import { parseArgs } from 'node:util';
import { CONFIG_FAULTS, FAULTS, MEDIA_FAULTS, REDIS_FAULTS, type ConfigFault, type Fault, type MediaFault, type RedisFault } from './data-plane.js';

// The handlers' structured logs go to CloudWatch in AWS; here the drill prints its own report. Their
// metrics are on, whatever the environment says: the drill takes their EMF records off stdout into the
// CloudWatch stand-in (sandbox/aws/emf-stdout.ts), where the daily checklist reads them back.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'false';

const ALL_FAULTS: readonly string[] = [...FAULTS, ...REDIS_FAULTS, ...MEDIA_FAULTS, ...CONFIG_FAULTS];
/** Recovery runbooks the drill rehearses instead of the restore drill. */
const SCENARIOS = ['partial-restore', 'region-failover', 'rehearsal'] as const;
const USAGE = `usage: npm run drill [-- [--break ${ALL_FAULTS.join('|')}] [--inject-sql "<SQL>" …] [--inject-redis "<command>" …] | --scenario ${SCENARIOS.join('|')}]`;
const EXIT = { passed: 0, caught: 1, usage: 2, error: 3 } as const;

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

type Drill = Pick<import('./run.js').Drill, 'cleanup' | 'serverTrouble'>;
let drill: Drill | null = null;
/** Set once the drill is being stopped (signal or error): the first reason wins, later ones wait for it. */
let stopping: Promise<never> | null = null;

/** Cleans up, says what was removed (or what could not be), and exits with `code`. */
function finish(code: number, resultLine: string | null): Promise<never> {
  return (async () => {
    let exitCode = code;
    try {
      for (const line of (await drill?.cleanup()) ?? []) out(`Cleanup: ${line}`);
    } catch (error) {
      err(`drill: ${(error as Error).message}`);
      out(`Cleanup: INCOMPLETE — ${(error as Error).message}`);
      exitCode = code === EXIT.passed || code === EXIT.caught ? EXIT.error : code;
    }
    if (resultLine !== null) out(resultLine);
    process.exit(exitCode);
  })();
}

function onSignal(signal: NodeJS.Signals): void {
  if (stopping !== null) return;
  err(`\ndrill: ${signal}: stopping — removing this run's databases, server and files…`);
  stopping = finish(128 + (constants.signals[signal] ?? 0), `RESULT: INTERRUPTED (${signal})`);
}

/** The drill cannot reach a verdict: say why (a server that went away explains whatever failed after it). */
function onError(message: string): void {
  if (stopping !== null) return;
  stopping = (async () => {
    const why = (await drill?.serverTrouble()) ?? message;
    err(`drill: ${why}`);
    return finish(EXIT.error, `RESULT: ERROR — ${why}`);
  })();
}

const onFatal = (error: unknown) => onError(error instanceof Error ? `${error.name}: ${error.message}` : String(error));

// Persistent handlers: the second and third SIGINT of one Ctrl-C must not kill the cleanup the first began.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
process.on('uncaughtException', onFatal);
process.on('unhandledRejection', onFatal);

async function parse(): Promise<{ fault: Fault | RedisFault | MediaFault | ConfigFault | null; injectSql: string[]; injectRedis: string[]; scenario: (typeof SCENARIOS)[number] | null } | null> {
  try {
    const { values } = parseArgs({
      args: process.argv.slice(2),
      options: { break: { type: 'string' }, 'inject-sql': { type: 'string', multiple: true }, 'inject-redis': { type: 'string', multiple: true }, scenario: { type: 'string' }, help: { type: 'boolean' } },
      strict: true,
    });
    if (values.help === true) {
      out(`${USAGE}\n(README.md, "The local drill": the faults, the options, the exit codes)`);
      process.exit(EXIT.passed);
    }
    let fault: Fault | RedisFault | MediaFault | ConfigFault | null = null;
    if (values.break !== undefined) {
      if (!ALL_FAULTS.includes(values.break)) throw new Error(`--break: unknown fault "${values.break}" (one of ${ALL_FAULTS.join(', ')})`);
      fault = values.break as Fault | RedisFault | MediaFault | ConfigFault;
    }
    const injectSql = values['inject-sql'] ?? [];
    const blank = injectSql.findIndex((sql) => sql.trim() === '');
    if (blank >= 0) throw new Error(`--inject-sql #${blank + 1} is empty`);
    const injectRedis = values['inject-redis'] ?? [];
    const { parseRedisCommand } = await import('./redis-command.js');
    injectRedis.forEach((text, index) => {
      try {
        parseRedisCommand(text);
      } catch (error) {
        throw new Error(`--inject-redis #${index + 1}: ${(error as Error).message}`, { cause: error });
      }
    });
    let scenario: (typeof SCENARIOS)[number] | null = null;
    if (values.scenario !== undefined) {
      if (!(SCENARIOS as readonly string[]).includes(values.scenario)) throw new Error(`--scenario: unknown scenario "${values.scenario}" (one of ${SCENARIOS.join(', ')})`);
      if (fault !== null || injectSql.length > 0 || injectRedis.length > 0) throw new Error('--scenario runs alone: no --break, --inject-sql or --inject-redis with it');
      scenario = values.scenario as (typeof SCENARIOS)[number];
    }
    return { fault, injectSql, injectRedis, scenario };
  } catch (error) {
    err(`drill: ${(error as Error).message}\n${USAGE}`);
    return null;
  }
}

const args = await parse();
if (args === null) process.exit(EXIT.usage);
const { startDrill, DrillError } = await import('./run.js');
if (args.scenario === 'partial-restore' && stopping === null) {
  const { startPartialRestoreDrill, DROPPED_TABLE } = await import('./partial-restore.js');
  const scenario = startPartialRestoreDrill(out);
  drill = scenario;
  try {
    const result = await scenario.done;
    const line = result.passed
      ? `RESULT: PASSED — ${DROPPED_TABLE} recovered into ${result.schema ?? '?'} (${result.rows} rows); production's tables untouched`
      : `RESULT: FAILED — ${result.problems.join('; ')}`;
    if (stopping === null) stopping = finish(result.passed ? EXIT.passed : EXIT.caught, line);
  } catch (error) {
    onFatal(error);
  }
} else if ((args.scenario === 'region-failover' || args.scenario === 'rehearsal') && stopping === null) {
  const { startFailoverDrill } = await import('./region-failover.js');
  const scenario = startFailoverDrill(args.scenario, out);
  drill = scenario;
  try {
    const result = await scenario.done;
    const minutes = (ms: number | null) => (ms === null ? '?' : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 60_000).toFixed(1)} min`);
    const what = args.scenario === 'rehearsal' ? 'rehearsal' : 'failover';
    const line = result.passed
      ? `RESULT: PASSED — ${what} RTO ${minutes(result.rtoMs)}, RPO ${minutes(result.rpoMs)} (objectives ${result.outcome ?? '?'})${args.scenario === 'rehearsal' ? "; production untouched, the rehearsal's instances gone" : ''}`
      : `RESULT: FAILED — ${result.problems.join('; ')}`;
    if (stopping === null) stopping = finish(result.passed ? EXIT.passed : EXIT.caught, line);
  } catch (error) {
    onFatal(error);
  }
} else if (stopping === null) {
  const restoreDrill = startDrill({ ...args, print: out });
  drill = restoreDrill;
  try {
    const result = await restoreDrill.done;
    const parts = [args.fault === null ? null : `the fault "${args.fault}"`, args.injectSql.length === 0 ? null : 'the injected SQL', args.injectRedis.length === 0 ? null : 'the injected Redis commands'].filter((s) => s !== null);
    const subject = parts.join(' and ');
    const verb = parts.length > 1 || args.injectRedis.length > 0 ? 'were' : 'was';
    const outcome = result.outcome.toUpperCase();
    const skipped = typeof result.redis === 'object' ? ` (Redis skipped: ${result.redis.skipped})` : '';
    const line = result.passed
      ? `RESULT: PASSED${subject === '' ? '' : ` — ${subject} ${verb} NOT caught`}${skipped}`
      : `RESULT: ${outcome} — ${subject === '' ? 'found by' : `${subject} ${verb} caught by`} ${result.caughtBy.join(', ')}`;
    if (stopping === null) stopping = finish(result.passed ? EXIT.passed : EXIT.caught, line);
  } catch (error) {
    if (error instanceof DrillError) onError(error.message);
    else onFatal(error);
  }
}
