// set-maintenance-mode: puts the application into maintenance mode and back — the SSM parameter the
// policy names (recovery.maintenanceMode, in the region the runbook runs in) set to its `on` or `off`
// value. Idempotent: a parameter that reads the value already is left alone (`changed: false`). The
// value it replaced is the output (`previous`; null: there was no parameter), for the runbook's report
// and undo. Without recovery.maintenanceMode it does nothing and says so.

import type { SSMClient } from '@aws-sdk/client-ssm';
import { writeParameter } from '../../../shared/platform/parameter.js';
import type { RecoveryPolicy } from '../../../shared/policy/schema.js';
import type { Log } from '../../../shared/runtime/log.js';

export interface MaintenanceModeDeps {
  readonly recovery: RecoveryPolicy | undefined;
  readonly ssm: SSMClient;
  readonly log: Log;
}

export type MaintenanceModeResult =
  | { readonly parameter: string; readonly previous: string | null; readonly current: string; readonly changed: boolean }
  | { readonly skipped: string };

export async function setMaintenanceMode(input: { mode: 'on' | 'off'; execution: string }, deps: MaintenanceModeDeps): Promise<MaintenanceModeResult> {
  const maintenance = deps.recovery?.maintenanceMode;
  if (maintenance === undefined) {
    deps.log.info('no maintenance mode in the policy: nothing to set', { mode: input.mode, execution: input.execution });
    return { skipped: 'no maintenanceMode in the policy' };
  }
  const value = input.mode === 'on' ? maintenance.on : maintenance.off;
  const { previous, changed } = await writeParameter(deps.ssm, maintenance.parameter, value, 'backup-dr: maintenance mode the application reads (recovery.maintenanceMode)');
  deps.log.info(changed ? 'maintenance mode set' : 'maintenance mode already as asked', { parameter: maintenance.parameter, mode: input.mode, previous, current: value, execution: input.execution });
  return { parameter: maintenance.parameter, previous, current: value, changed };
}
