// The outcome of a point-in-time restore of a prefix, pure: a dry run lists; a real run restored the
// prefix when nothing failed; otherwise it failed, saying what.

import type { MediaRestoreState } from '../../../shared/media/restore-run.js';

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(2)} GiB`;

export function mediaRestoreOutcome(state: MediaRestoreState): { outcome: 'restored' | 'dry-run' | 'failed'; summary: string } {
  const run = state.run;
  if (state.error !== undefined || run === undefined) {
    return { outcome: 'failed', summary: `${state.error?.Error ?? 'no plan'}: ${(state.error?.Cause ?? '').slice(0, 300)}`.trim() };
  }
  const s = run.summary;
  const sums = `${s.keys} keys under "${run.prefix}" at ${new Date(run.at).toISOString()}: ${s.unchanged} unchanged, ${s.copies} to copy back (${s.fromReplica} from the replica, ${gib(s.bytes)}), ${s.deletes} to delete`;
  const archived = s.archived.objects === 0 ? '' : `; ${s.archived.objects} archived (${gib(s.archived.bytes)}) need a restore first, up to ${s.archived.longestHours} h`;
  if (run.dryRun) return { outcome: 'dry-run', summary: `dry run — ${sums}${archived}. Start again with "dryRun": false to make it so.` };
  if (run.failed > 0) return { outcome: 'failed', summary: `${run.failed} keys could not be restored (see the listing); ${sums}` };
  return { outcome: 'restored', summary: `restored — ${sums}${archived}` };
}
