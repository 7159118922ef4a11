// `backup-dr policy check [FILE]`: validates the policy file and says what it means — what is
// protected, when, kept how long, and how many snapshots each region will hold in steady state.

import { parseArgs } from 'node:util';
import { InvalidInput, InvalidPolicy } from '../shared/errors.js';
import { DEFAULT_POLICY_FILE } from '../shared/policy/load.js';
import { summarisePolicy, type PolicySummary } from '../shared/policy/summary.js';
import { formatWall } from '../shared/time/zone.js';
import { escapeForTerminal, terminalSafeJson } from './input.js';
import { parseNow, type Io } from './io.js';
import { readPolicyFile } from './preview-policy.js';
import { renderTable } from './table.js';
import { POLICY_CHECK_USAGE } from './usage.js';

export function runPolicyCheck(args: readonly string[], io: Io): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: { now: { type: 'string' }, json: { type: 'boolean', default: false } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new InvalidInput('', `${(error as Error).message.split('\n')[0]} (${POLICY_CHECK_USAGE})`, { cause: error });
  }
  if (parsed.positionals.length > 1) throw new InvalidInput('FILE', `give at most one policy file (${POLICY_CHECK_USAGE})`);
  const file = parsed.positionals[0] ?? DEFAULT_POLICY_FILE;
  const now = parseNow(parsed.values.now, io);
  const policy = readPolicyFile(file);
  let summary: PolicySummary;
  try {
    summary = summarisePolicy(policy, now);
  } catch (error) {
    // What only the clock or the whole policy can tell (a schedule that never fires, a retention below its
    // floor) is reported like a schema error: the file, then one line per field.
    if (error instanceof InvalidPolicy) throw new InvalidPolicy(`${file} is invalid:\n${error.message}`, { cause: error });
    throw error;
  }
  if (parsed.values.json) io.stdout(`${terminalSafeJson(JSON.stringify(summary, null, 2))}\n`);
  else io.stdout(renderSummary(file, summary));
  return 0;
}

function renderSummary(file: string, s: PolicySummary): string {
  const tz = s.timezone;
  const out: string[] = [];
  out.push(escapeForTerminal(`${file}: valid — policy "${s.name}", time zone ${tz}`));
  out.push(`regions: primary ${s.regions.primary}, secondary ${s.regions.secondary}${s.regions.archive ? `, archive ${s.regions.archive}` : ''}`);
  out.push('');
  out.push('Protected resources');
  out.push(
    renderTable(
      ['KIND', 'NAME', 'SOURCE', 'SCHEDULE', 'NEXT RUN', 'RETENTION', `STEADY STATE (${s.regions.primary} / ${s.regions.secondary})`],
      s.resources.map((r) => [
        r.kind,
        r.name,
        r.source,
        r.schedule ?? '-',
        r.nextRun === null ? '-' : formatWall(r.nextRun, tz),
        r.retention,
        r.steadyState === null ? '-' : `${r.steadyState.primary} / ${r.steadyState.secondary}`,
      ]),
    ),
  );
  out.push('');
  out.push('Recovery objectives');
  out.push(renderTable(['COMPONENT', 'RPO', 'RTO'], s.objectives.map((o) => [o.component, o.rpo, o.rto])));
  out.push('');
  out.push('RDS manual snapshots per region (steady state, all databases)');
  out.push(
    renderTable(
      ['REGION', 'SNAPSHOTS', 'QUOTA', 'USE'],
      s.rdsQuota.map((q) => [q.region, q.snapshots === null ? 'unbounded' : String(q.snapshots), String(q.quota), q.snapshots === null ? '-' : `${Math.round((q.snapshots / q.quota) * 100)} %`]),
    ),
  );
  if (s.warnings.length > 0) {
    out.push('');
    for (const warning of s.warnings) out.push(escapeForTerminal(`WARNING: ${warning}`));
  }
  return `${out.join('\n')}\n`;
}
