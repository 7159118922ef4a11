// The usage line of each sub-command, apart from the commands themselves: `backup-dr --help` prints them
// without loading a command (and with it the policy schema, YAML and the retention engine).

export const POLICY_CHECK_USAGE = 'usage: backup-dr policy check [FILE] [--now ISO] [--json]';

export const RETENTION_PLAN_USAGE =
  'usage: backup-dr retention plan --snapshots FILE|- (--policy FILE | --resource NAME [--policy-file FILE] [--region primary|secondary]) [--now ISO] [--json]';

export const APPROVE_USAGE = 'usage: backup-dr approve EXECUTION_ARN [--reason TEXT] [--stage STAGE] [--region REGION] [--url URL] [--json]';

export const REJECT_USAGE = 'usage: backup-dr reject EXECUTION_ARN [--reason TEXT] [--stage STAGE] [--region REGION] [--url URL] [--json]';

export const USAGE = ['usage: backup-dr <command>', ...[POLICY_CHECK_USAGE, RETENTION_PLAN_USAGE, APPROVE_USAGE, REJECT_USAGE].map((line) => `  ${line.replace('usage: ', '')}`)].join('\n');
