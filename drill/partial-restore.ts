// `npm run drill -- --scenario partial-restore`: a table dropped by mistake in the sandbox's sample
// production database, recovered by the real database-recovery state machine (ASL file, real handlers,
// aws-local-stepfunctions) in partial mode: the newest verified snapshot restored into a temporary
// instance (a real PostgreSQL database), validated, the table copied into a recovery_<timestamp> schema
// of production, the temporary instance deleted. It prints the rows recovered, the merge SQL the report
// gives, and proves production's other tables untouched. Same cleanup as the restore drill (run.ts).

import { stringify } from 'yaml';
import { handler as recoveryCopyHandler } from '../functions/rds/database-recovery-copy/handler.js';
import { handler as recoveryNotifyHandler } from '../functions/rds/database-recovery-notify/handler.js';
import { handler as recoveryPlanHandler } from '../functions/rds/database-recovery-plan/handler.js';
import { handler as recoveryRestoreHandler } from '../functions/rds/database-recovery-restore/handler.js';
import { handler as recoveryTeardownHandler } from '../functions/rds/database-recovery-teardown/handler.js';
import { handler as statusHandler } from '../functions/rds/restore-test-status/handler.js';
import { handler as validateHandler } from '../functions/rds/validate-restore/handler.js';
import { asTask, runLocally, type LocalTask } from '../sandbox/step-functions/asl.js';
import { alertText } from '../shared/alerts/alert.js';
import { parsePolicy } from '../shared/policy/load.js';
import type { Policy } from '../shared/policy/schema.js';
import { databaseRecoveryDefinition } from '../state-machines/rds/database-recovery.js';
import type { PostgresServer } from './postgres.js';
import { backUpDatabase, DrillSandbox, policyDocument, SECRET, seconds } from './sandbox.js';
import { quote, withClient } from './sample-data.js';

export interface PartialRestoreResult {
  readonly passed: boolean;
  /** What went wrong, when it did not pass. */
  readonly problems: readonly string[];
  readonly schema: string | null;
  readonly rows: number;
}

export interface PartialRestoreDrill {
  readonly done: Promise<PartialRestoreResult>;
  cleanup(): Promise<string[]>;
  serverTrouble(): Promise<string | null>;
}

/** The incident: a table dropped by mistake (CASCADE takes the views and the foreign key that need it). */
export const DROPPED_TABLE = 'public.orders';
const INCIDENT_SQL = 'drop table public.orders cascade';
/** Production's tables the recovery must leave exactly as they were. */
const UNTOUCHED = ['public.customers', 'public.audit_log'];


/** The team's policy pointed at the sandbox, as the restore drill does (the instance's own database, the drill's secret). */
function drillPolicy(): Policy {
  const doc = policyDocument<{ resources: { databases: { restoreTest: Record<string, unknown> }[] } }>();
  const db = doc.resources.databases[0];
  if (db === undefined) throw new Error('backup-policy.yml protects no database: nothing to recover');
  delete db.restoreTest.database;
  db.restoreTest.credentialsSecret = SECRET;
  return parsePolicy(stringify(doc), 'backup-policy.yml (drill)');
}

/** Every row of a table as text, in a stable order, hashed: equal digests, equal contents. */
async function digest(pg: PostgresServer, database: string, table: string): Promise<string> {
  return withClient(pg, database, async (c) => (await c.query<{ d: string }>(`select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as d from ${table} t`)).rows[0]?.d ?? '');
}

export function startPartialRestoreDrill(print: (line: string) => void): PartialRestoreDrill {
  const sandbox = new DrillSandbox(print);
  const say = sandbox.say;

  const run = async (): Promise<PartialRestoreResult> => {
    const policy = drillPolicy();
    const db = policy.resources.databases[0]!;
    const primary = policy.regions.primary;
    say(`backup-dr drill — partial restore of ${db.name}: a dropped table recovered into a recovery schema of production`);
    say(`Databases of this run: ${sandbox.prefix}* (all dropped at the end)`);
    const { pg, production, rows, plane: dataPlane, useRuntime } = await sandbox.open({ policy, metrics: true });
    say(`Sample production database ${production}: ${rows.customers} customers, ${rows.orders} orders, ${rows.auditLog} rows in public.audit_log`);
    const alerts = sandbox.alerts;

    // Last night's backup, verified: what the recovery restores.
    await backUpDatabase(sandbox, policy, useRuntime);

    say('');
    say(`The incident: someone runs \`${INCIDENT_SQL}\` on production`);
    await withClient(pg, production, (c) => c.query(INCIDENT_SQL));
    const before = Object.fromEntries(await Promise.all(UNTOUCHED.map(async (t) => [t, await digest(pg, production, t)] as const)));

    say('');
    const input = { resource: db.name, mode: 'partial', tables: [DROPPED_TABLE] };
    say(`database-recovery (state-machines/rds/database-recovery.asl.json, run locally with aws-local-stepfunctions): ${JSON.stringify(input)}`);
    useRuntime('primary');
    const never = (name: string): LocalTask => async () => {
      throw new Error(`${name} is not part of a partial recovery`);
    };
    let started: number | null = null;
    const execution = await runLocally(
      databaseRecoveryDefinition(policy),
      input,
      {
        databaseRecoveryPlan: asTask('databaseRecoveryPlan', recoveryPlanHandler),
        databaseRecoveryRestore: asTask('databaseRecoveryRestore', recoveryRestoreHandler),
        restoreTestStatus: asTask('restoreTestStatus', statusHandler),
        validateRestore: asTask('validateRestore', validateHandler),
        databaseRecoveryCopy: asTask('databaseRecoveryCopy', recoveryCopyHandler),
        databaseRecoveryTeardown: asTask('databaseRecoveryTeardown', recoveryTeardownHandler),
        databaseRecoveryNotify: asTask('databaseRecoveryNotify', recoveryNotifyHandler),
        requestApproval: never('requestApproval'),
        switchEndpoint: never('switchEndpoint'),
        databaseRecoveryRetire: never('databaseRecoveryRetire'),
      },
      {
        executionName: 'partial-restore-drill',
        onState: (name) => {
          started ??= Date.now();
          say(`  ${`+${seconds(Date.now() - started)}`.padStart(9)}  ${name}`);
        },
      },
    );
    say(`  → execution ${execution.status}${execution.error === undefined ? '' : ` (${execution.error.name}: ${execution.error.message})`} in ${seconds(Date.now() - (started ?? Date.now()))}`);
    const unhealthy = await pg.health();
    if (unhealthy !== null) throw new Error(unhealthy);

    const problems: string[] = [];
    if (execution.status !== 'SUCCEEDED') problems.push(`the execution ${execution.status.toLowerCase()}: ${execution.error?.name ?? ''}`);
    const output = (execution.output ?? {}) as { plan?: { instanceId: string; recoverySchema?: string }; copy?: { schema: string; tables: { table: string; recoveredAs: string; rowsCopied: number; rowsInBackup: number }[] }; report?: { mergeSql: string[]; steps: string[] } };
    const schema = output.copy?.schema ?? null;
    let recovered = 0;
    say('');
    say('Recovered');
    for (const t of output.copy?.tables ?? []) {
      const [schemaName, tableName] = [t.recoveredAs.slice(0, t.recoveredAs.indexOf('.')), t.recoveredAs.slice(t.recoveredAs.indexOf('.') + 1)];
      const counted = await withClient(pg, production, async (c) => Number((await c.query<{ n: string }>(`select count(*)::text as n from ${quote(schemaName)}.${quote(tableName)}`)).rows[0]?.n));
      recovered += counted;
      say(`  ✓ ${t.table} → ${t.recoveredAs}: ${counted} rows (the backup holds ${t.rowsInBackup})`);
      const sample = await withClient(pg, production, async (c) => (await c.query<Record<string, unknown>>(`select * from ${quote(schemaName)}.${quote(tableName)} order by 1 limit 3`)).rows);
      for (const row of sample) say(`      ${JSON.stringify(row)}`);
      if (counted !== t.rowsInBackup || counted !== rows.orders) problems.push(`${t.recoveredAs} holds ${counted} rows, the backup ${t.rowsInBackup}, the sample ${rows.orders}`);
    }
    if (schema === null) problems.push('no recovery schema was written');
    say('');
    say('Merge SQL (from the report; merging is left to the operator — the drill does not run it)');
    for (const sql of output.report?.mergeSql ?? []) for (const line of sql.split('\n')) say(`  ${line}`);

    say('');
    say('Production untouched');
    for (const table of UNTOUCHED) {
      const same = (await digest(pg, production, table)) === before[table];
      say(`  ${same ? '✓' : '✗'} ${table} ${same ? 'unchanged' : 'CHANGED'}`);
      if (!same) problems.push(`${table} changed`);
    }
    const stillThere = await withClient(pg, production, async (c) => (await c.query<{ there: boolean }>("select to_regclass('public.orders') is not null as there")).rows[0]?.there === true);
    say(`  ${stillThere ? '✗' : '✓'} ${DROPPED_TABLE} ${stillThere ? 'was recreated in production (it must not be)' : 'is still absent from production (the merge is the operator\'s)'}`);
    if (stillThere) problems.push(`${DROPPED_TABLE} was recreated in production`);
    const instanceId = output.plan?.instanceId;
    const leftover = instanceId !== undefined && dataPlane.databaseOf(primary, instanceId) !== undefined;
    say(`  ${leftover ? '✗' : '✓'} the temporary instance ${instanceId ?? '?'} ${leftover ? 'was NOT deleted' : 'was deleted'}`);
    if (leftover) problems.push(`the temporary instance ${instanceId ?? ''} was left behind`);

    say('');
    for (const alert of alerts) {
      say('Message that would be sent to the alerts topic:');
      for (const line of alertText(alert, policy.timezone).split('\n')) say(`  | ${line}`);
    }
    return { passed: problems.length === 0, problems, schema, rows: recovered };
  };

  const done = Promise.race([run(), sandbox.lost]);
  done.catch(() => undefined);
  return { done, cleanup: () => sandbox.cleanup(), serverTrouble: () => sandbox.serverTrouble() };
}
