// A drill that always cleans up and tells the truth: Ctrl-C to the whole process group (npm, sh and the
// drill each get SIGINT) removes everything the run created; a private PostgreSQL
// killed mid-run is the drill's error, not a verdict. Each test holds the drill still with an injected
// pg_sleep, waits for the line saying it runs, then acts — no sleeps — and counts only what its run created.

import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { closedPort, isAlive, leftovers, LiveDrill, processesIn, runFacts } from './drill-process.js';

const HOLD = ['--inject-sql', 'select pg_sleep(600)'];
const holding = /--inject-sql #1 on \S+: select pg_sleep\(600\)$/;

describe('the drill cleans up', () => {
  it.each([
    { server: 'the PostgreSQL it finds', env: async () => ({}) },
    { server: 'a private PostgreSQL it started', env: async () => ({ PGPORT: String(await closedPort()) }) },
  ])('on Ctrl-C to its whole process group, twice, using $server: no database, directory or server is left, exit 130', async ({ env }) => {
    const run = new LiveDrill(HOLD, await env(), 'node');
    await run.line(holding);
    const facts = runFacts(run.out);
    expect(run.signalGroup('SIGINT')).toBe(true);
    // Another Ctrl-C while it cleans up must not cut the cleanup short.
    await run.line(/^drill: SIGINT: stopping/, 'err');
    run.signalGroup('SIGINT');
    const end = await run.exited;
    expect(end.code).toBe(130);
    expect(end.out).toMatch(/^Cleanup: (dropped the run's \d+ databases|stopped the private PostgreSQL \(pid \d+\) and removed \S+)/m);
    expect(end.out).toMatch(/^RESULT: INTERRUPTED \(SIGINT\)$/m);
    expect(end.out).not.toMatch(/^RESULT: (PASSED|FAILED|INCONCLUSIVE)/m);
    expect(await leftovers(facts)).toEqual([]);
  }, 240_000);

  it('on Ctrl-C while its private PostgreSQL is being created: initdb is stopped and its directory removed, exit 130', async () => {
    const run = new LiveDrill([], { PGPORT: String(await closedPort()) }, 'node');
    const [, dir] = await run.line(/creating a private PostgreSQL cluster in (\S+) \(initdb\)$/);
    expect(run.signalGroup('SIGINT')).toBe(true);
    const end = await run.exited;
    expect(end.code).toBe(130);
    expect(end.out).toMatch(/^RESULT: INTERRUPTED \(SIGINT\)$/m);
    expect(existsSync(dir!)).toBe(false);
    expect(processesIn(dir!)).toEqual([]);
  }, 240_000);

  it('on Ctrl-C to `npm run drill`, whose npm and sh die of it at once: the drill still finishes its cleanup', async () => {
    const run = new LiveDrill(HOLD, {}, 'npm');
    await run.line(holding);
    const facts = runFacts(run.out);
    expect(run.signalGroup('SIGINT')).toBe(true);
    const end = await run.exited;
    expect(end.out).toMatch(/^Cleanup: /m);
    expect(end.out).toMatch(/^RESULT: INTERRUPTED \(SIGINT\)$/m);
    expect(await leftovers(facts)).toEqual([]);
  }, 240_000);

  it('when the drill itself is killed with SIGKILL, which it cannot handle: its watchdog stops the private server and removes its directory', async () => {
    const run = new LiveDrill(HOLD, { PGPORT: String(await closedPort()) }, 'node');
    await run.line(holding);
    const facts = runFacts(run.out);
    expect(facts.server).not.toBeNull();
    expect(run.signalGroup('SIGKILL')).toBe(true);
    // The output ends when the last process holding it is gone: the watchdog, once the server is stopped.
    const end = await run.exited;
    expect(end.out).not.toMatch(/^RESULT: /m);
    expect(await leftovers(facts)).toEqual([]);
  }, 240_000);

  it('when its private PostgreSQL is killed mid-run: says so, exits 3 and removes its directory', async () => {
    const run = new LiveDrill(HOLD, { PGPORT: String(await closedPort()) }, 'npm');
    await run.line(holding);
    const facts = runFacts(run.out);
    expect(facts.server).not.toBeNull();
    const { pid } = facts.server!;
    process.kill(pid, 'SIGKILL');
    const end = await run.exited;
    expect(end.code).toBe(3);
    expect(end.out).toContain(`RESULT: ERROR — the private PostgreSQL (pid ${pid}) exited during the run (killed by SIGKILL)`);
    expect(end.err).toContain(`drill: the private PostgreSQL (pid ${pid}) exited during the run`);
    expect(end.out).not.toMatch(/^RESULT: (PASSED|FAILED|INCONCLUSIVE)/m);
    expect(end.out).not.toContain('caught');
    expect(isAlive(pid)).toBe(false);
    expect(await leftovers(facts)).toEqual([]);
  }, 240_000);
});
