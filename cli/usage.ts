// The usage line of each sub-command, apart from the commands themselves: `backup-dr --help` prints them
// without loading a command (and with it the policy schema, YAML and the retention engine).

export const POLICY_CHECK_USAGE = 'usage: backup-dr policy check [FILE] [--now ISO] [--json]';

export const RETENTION_PLAN_USAGE =
  'usage: backup-dr retention plan --snapshots FILE|- (--policy FILE | --resource NAME [--policy-file FILE] [--region primary|secondary]) [--now ISO] [--json]';

export const USAGE = ['usage: backup-dr <command>', `  ${POLICY_CHECK_USAGE.replace('usage: ', '')}`, `  ${RETENTION_PLAN_USAGE.replace('usage: ', '')}`].join('\n');
