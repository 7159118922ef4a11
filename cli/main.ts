// The backup-dr command line: dispatches sub-commands and turns errors into exit codes.
// Exit codes: 0 done, 1 unexpected failure, 2 bad input (one line on stderr), 3 refused by a guard.

import { BackupDrError, InvalidInput, InvalidPolicy, RetentionRefused } from '../shared/errors.js';
import { escapeForTerminal, readInput } from './input.js';
import type { Io } from './io.js';
import { POLICY_CHECK_USAGE, runPolicyCheck } from './policy-check.js';
import { RETENTION_PLAN_USAGE, runRetentionPlan } from './retention-plan.js';

const USAGE = ['usage: backup-dr <command>', `  ${POLICY_CHECK_USAGE.replace('usage: ', '')}`, `  ${RETENTION_PLAN_USAGE.replace('usage: ', '')}`].join('\n');

export function runCli(argv: readonly string[], io: Io): number {
  const [group, command, ...rest] = argv;
  try {
    if (group === 'policy' && command === 'check') return runPolicyCheck(rest, io);
    if (group === 'retention' && command === 'plan') return runRetentionPlan(rest, io);
    if (group === '--help' || group === 'help') {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    if (group === undefined) throw new InvalidInput('', `a command is required (${USAGE.split('\n').slice(1).map((l) => l.trim()).join(' | ')})`);
    throw new InvalidInput('', `unknown command "${[group, command].filter(Boolean).join(' ')}"\n${USAGE}`);
  } catch (error) {
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
}

/** A message's lines, each safe for a terminal (an id quoted in it cannot carry escape sequences). */
function printable(message: string): string {
  return message.split('\n').map((line) => escapeForTerminal(line, true)).join('\n');
}

export const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin: () => readInput(0, ''),
  now: () => Date.now(),
};
