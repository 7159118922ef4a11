// Once per `vitest run`, before any test file: compiles what the tests run as whole processes — the CLI
// (dist/cli, as `npx backup-dr` runs it) and the drill (dist/drill, as `npm run drill` runs it) — from the
// current sources, so no test runs a stale build and no test file builds its own.
import { buildCli } from '../cli/build.js';
import { buildDrill } from '../drill/build.js';

export default async function setup(): Promise<void> {
  await Promise.all([buildCli(), buildDrill()]);
}
