// The real process behind the CLI's Io: standard output and error, standard input read defensively, the clock.
import { readInput } from './input.js';
import type { Io } from './io.js';

export const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin: () => readInput(0, ''),
  now: () => Date.now(),
};
