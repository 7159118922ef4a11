// The alert for a prune that failed or was refused, whichever backups it prunes (database snapshots,
// cache snapshots and exports): nothing more was deleted for that resource, and what to do.

import { errorMessage, errorName, RetentionRefused } from '../errors.js';
import type { Alert } from './alert.js';

export function pruneFailureAlert(resource: string, region: string, error: unknown, now: number, source: string): Alert {
  const refused = error instanceof RetentionRefused;
  return {
    severity: 'critical',
    kind: refused ? 'prune-refused' : 'prune-failed',
    resource,
    region,
    summary: refused ? `prune refused: ${errorMessage(error)}` : `prune failed: ${errorName(error)}`,
    action: refused
      ? 'Nothing was deleted. Fix the retention of this resource in backup-policy.yml (npx backup-dr policy check) and redeploy.'
      : `Nothing more was deleted for this resource. Read the ${source} logs; the next daily run retries. Watch the manual-snapshot quota meanwhile.`,
    source,
    at: now,
    details: { error: errorName(error), message: errorMessage(error).slice(0, 500) },
  };
}
