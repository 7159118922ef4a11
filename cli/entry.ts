// The program behind `npx backup-dr`, compiled by cli/build.ts into dist/cli/backup-dr.js. It imports a
// sub-command only once the arguments name it: `--help` and a missing or unknown command load no schema,
// YAML parser or retention engine. Output and exit codes are runCli's (cli/main.ts): both use dispatch().

import { commandName, dispatch, type Command, type CommandName } from './dispatch.js';
import { processIo } from './process-io.js';

const load: Record<CommandName, () => Promise<Command>> = {
  'policy check': async () => (await import('./policy-check.js')).runPolicyCheck,
  'retention plan': async () => (await import('./retention-plan.js')).runRetentionPlan,
  approve: async () => (await import('./approval.js')).runApprove,
  reject: async () => (await import('./approval.js')).runReject,
};

const argv = process.argv.slice(2);
const name = commandName(argv);
const commands: Partial<Record<CommandName, Command>> = name === undefined ? {} : { [name]: await load[name]() };
process.exitCode = await dispatch(argv, processIo, commands);
