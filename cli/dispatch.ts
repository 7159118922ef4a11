// Which sub-command an argument list names, and how the command line turns errors into exit codes:
// 0 done, 1 unexpected failure, 2 bad input (one line on stderr), 3 refused by a guard. Loads no command,
// so that both the in-process runCli (cli/main.ts) and the lazy entry of the compiled bin use it.
// Commands are synchronous, or asynchronous (approve/reject: they call AWS), and then so is dispatch.

import { BackupDrError, InvalidInput, InvalidPolicy, RetentionRefused } from '../shared/errors.js';
import { escapeForTerminal } from './input.js';
import type { Io } from './io.js';
import { USAGE } from './usage.js';

export const COMMAND_NAMES = ['policy check', 'retention plan', 'approve', 'reject'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** A sub-command: its own arguments in, an exit code out; throws BackupDrError subclasses for the rest. */
export type Command = (args: readonly string[], io: Io) => number | Promise<number>;

/** The sub-command the first argument (one-word commands) or the first two name, or undefined (help, nothing, or an unknown command). */
export function commandName(argv: readonly string[]): CommandName | undefined {
  const [group, command] = argv;
  if (group === undefined) return undefined;
  return COMMAND_NAMES.find((name) => name === group || (command !== undefined && name === `${group} ${command}`));
}

/**
 * Runs the sub-command argv names with `commands[name]` (the caller gives at least that one), or prints
 * the usage; reports errors on stderr and returns the exit code (a promise of it for an asynchronous command).
 */
export function dispatch(argv: readonly string[], io: Io, commands: Partial<Record<CommandName, Command>>): number | Promise<number> {
  const [group, command] = argv;
  try {
    const name = commandName(argv);
    if (name !== undefined) {
      const run = commands[name];
      if (run === undefined) throw new Error(`backup-dr: the "${name}" command was not loaded`);
      const result = run(argv.slice(name.split(' ').length), io);
      return typeof result === 'number' ? result : result.catch((error: unknown) => report(error, io));
    }
    if (group === '--help' || group === 'help') {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    if (group === undefined) throw new InvalidInput('', `a command is required (${USAGE.split('\n').slice(1).map((l) => l.trim()).join(' | ')})`);
    throw new InvalidInput('', `unknown command "${[group, command].filter(Boolean).join(' ')}"\n${USAGE}`);
  } catch (error) {
    return report(error, io);
  }
}

/** The exit code of an error, reported on stderr; anything not ours is thrown on. */
function report(error: unknown, io: Io): number {
  if (error instanceof InvalidInput || error instanceof InvalidPolicy) {
    io.stderr(`backup-dr: ${printable(error.message)}\n`);
    return 2;
  }
  if (error instanceof RetentionRefused) {
    io.stderr(`backup-dr: refused: ${printable(error.message)}\n`);
    return 3;
  }
  if (error instanceof BackupDrError) {
    io.stderr(`backup-dr: ${error.name}: ${printable(error.message)}\n`);
    return 1;
  }
  throw error;
}

/** A message's lines, each safe for a terminal (an id quoted in it cannot carry escape sequences). */
function printable(message: string): string {
  return message.split('\n').map((line) => escapeForTerminal(line, true)).join('\n');
}
