// The outcome of a configuration restore and how to undo it, pure: a dry run lists; a real run restored
// the configuration when no name failed; otherwise it failed, saying what. The undo names, per name
// written, the version to go back to and the exact command — the value is read by the command from the
// version, so no value is ever in the evidence.

import type { ConfigRestoreRun, ConfigRestoreState, Written } from '../../../shared/config/restore-run.js';

/** The runbooks' parameters the run left alone, for the summary (empty when none). */
function leftText(run: ConfigRestoreRun): string {
  const left = run.leftToRunbooks ?? [];
  return left.length === 0 ? '' : `; ${left.length} left to the recovery runbooks, not written (${left.join(', ')}): maintenance mode and endpoints are set by set-maintenance-mode and switch-endpoint only`;
}

export function configRestoreOutcome(state: ConfigRestoreState): { outcome: 'restored' | 'dry-run' | 'failed'; summary: string } {
  const run = state.run;
  if (state.error !== undefined || run === undefined) {
    const done = run === undefined || run.written.length === 0 ? '' : ` (${run.written.length} names were written before it: see the evidence's undo)`;
    return { outcome: 'failed', summary: `${state.error?.Error ?? 'no plan'}: ${(state.error?.Cause ?? '').slice(0, 300)}${done}${run === undefined ? '' : leftText(run)}`.trim() };
  }
  if (run.undo !== undefined) return undoOutcome(run, run.undo);
  const p = run.parameters;
  const s = run.secrets;
  const plan =
    `${run.configuration} (bundle version ${run.bundle.versionId} of ${run.bundle.capturedAt}) into ${run.target.region}: ` +
    `${p.write.length} parameters and ${s.write.length} secrets to write (${p.added.length + s.added.length} not there now), ` +
    `${p.unchanged + s.unchanged} unchanged, ${p.liveOnly.length + s.liveOnly.length} live but not in the bundle (left alone)${leftText(run)}`;
  if (run.dryRun) return { outcome: 'dry-run', summary: `dry run — ${plan}. The names are in the evidence; start again with "dryRun": false to write them.` };
  const done = `${run.written.length} written, ${run.skipped.length} already equal`;
  if (run.failed.length > 0) return { outcome: 'failed', summary: `${run.failed.length} names could not be written (${run.failed.map((f) => `${f.name}: ${f.error}`).join(', ')})`.slice(0, 240) + `; ${done} — ${plan}` };
  return { outcome: 'restored', summary: `restored — ${done}; ${plan}` };
}

function undoOutcome(run: ConfigRestoreRun, undo: NonNullable<ConfigRestoreRun['undo']>): { outcome: 'restored' | 'dry-run' | 'failed'; summary: string } {
  const plan =
    `undo of ${undo.of} (${run.configuration} in ${run.target.region}): ${run.parameters.write.length} parameters and ${run.secrets.write.length} secrets to put back, ` +
    `${undo.changedSince.length} changed since (left alone), ${undo.created.length} created by it (delete by hand: see its evidence's undo)${leftText(run)}`;
  if (run.dryRun) return { outcome: 'dry-run', summary: `dry run — ${plan}. Start again with "dryRun": false to put them back.` };
  if (run.failed.length > 0) return { outcome: 'failed', summary: `${run.failed.length} names could not be put back (${run.failed.map((f) => `${f.name}: ${f.error}`).join(', ')})`.slice(0, 240) + ` — ${plan}` };
  return { outcome: 'restored', summary: `undone — ${run.written.length} put back, ${run.skipped.length} already equal; ${plan}` };
}

export interface UndoStep {
  readonly kind: 'parameter' | 'secret';
  readonly name: string;
  /** The version to make current again; null: the restore created the parameter (undo deletes it). */
  readonly restoreVersion: string | number | null;
  readonly command: string;
}

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** Per name written, the exact command that puts back what was there before the run (aws CLI, in the region written to). */
export function undoSteps(run: ConfigRestoreRun): UndoStep[] {
  const region = run.target.region;
  return run.written.map((w: Written): UndoStep => {
    if (w.kind === 'secret') {
      if (w.previousVersion === null) return { kind: 'secret', name: w.name, restoreVersion: null, command: `# ${w.name} had no current version before the restore: nothing to move back` };
      return {
        kind: 'secret',
        name: w.name,
        restoreVersion: w.previousVersion,
        command: `aws secretsmanager update-secret-version-stage --region ${region} --secret-id ${quote(w.name)} --version-stage AWSCURRENT --move-to-version-id ${quote(String(w.previousVersion))} --remove-from-version-id ${quote(String(w.newVersion))}`,
      };
    }
    if (w.previousVersion === null) return { kind: 'parameter', name: w.name, restoreVersion: null, command: `aws ssm delete-parameter --region ${region} --name ${quote(w.name)}` };
    const type = w.previousType ?? w.type ?? 'String';
    const key = type === 'SecureString' && w.keyId !== undefined && w.keyId !== null ? ` --key-id ${quote(w.keyId)}` : '';
    return {
      kind: 'parameter',
      name: w.name,
      restoreVersion: w.previousVersion,
      command:
        `aws ssm put-parameter --region ${region} --name ${quote(w.name)} --type ${type}${key} --overwrite --cli-input-json ` +
        `"$(aws ssm get-parameter --region ${region} --name ${quote(`${w.name}:${String(w.previousVersion)}`)} --with-decryption --query '{Value: Parameter.Value}' --output json)"`,
    };
  });
}
