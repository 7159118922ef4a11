// `npm run drill -- --scenario region-failover` and `--scenario rehearsal` as a user runs them: the real
// region-failover state machine on the sandbox's two Regions of PostgreSQL databases. The failover is
// auto-approved through answer-approval, restores the replicated automated backups at the primary's last
// shipped logs (the orders written after them lost, and only those), seeds the cache from its replicated
// verified export (the keys written after it lost, and only those) on a real redis-server, restores the
// configuration, switches both endpoints with maintenance mode on throughout; the rehearsal touches
// nothing in production (database and cache fingerprints) and leaves no instance, group or redis-server
// behind. Both print their timeline and RTO/RPO, exit 0, and leave nothing behind; Ctrl-C mid-failover
// removes everything too. Without redis-server the cache is said skipped and the rest still passes.

import { afterAll, describe, expect, it } from 'vitest';
import { redisServerAvailable } from '../helpers/redis.js';
import { drill, drillOnce, leftovers, LiveDrill, pathWithoutRedis, runFacts } from './drill-process.js';

const redisUp = redisServerAvailable();
const noRedis = pathWithoutRedis();
afterAll(() => noRedis.remove());

/** The timeline's line of a state: "+<start> s  <duration> s  <state>". */
const timelineLine = (state: string) => new RegExp(`^ +\\+\\d+\\.\\d\\d s +\\d+\\.\\d\\d s  ${state.replace(/[?]/g, '\\?')}( \\(asked again \\d+×\\))?$`, 'm');
const position = (out: string, state: string) => out.search(timelineLine(state));

describe.concurrent('npm run drill -- --scenario region-failover | rehearsal', () => {
  it('fails over: auto-approved by an approver, the database from the replicated backups at the last shipped logs, the configuration restored, the endpoint switched under maintenance mode; exit 0', async () => {
    const { code, out } = await drillOnce(['--scenario', 'region-failover']);
    expect(out).toMatch(/^The disaster: ap-northeast-1 is lost$/m);
    expect(out).toContain('→ execution SUCCEEDED');
    const order = ['Assess', 'Request approval', 'Record approval', 'Maintenance on', 'Restore database', 'Wait for database', 'Validate database', 'Record database', 'Switch endpoint', 'Record endpoint', 'Maintenance off', 'Report'];
    for (const state of [...order, 'Restore configuration', 'Record configuration', '  restore-configuration › Write a batch']) expect(out).toMatch(timelineLine(state));
    const positions = order.map((state) => position(out, state));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(out).toMatch(/approval: 200 approved: approved region-failover arn:aws:states:ap-southeast-1:123456789012:execution:local:drill-failover-\S+ as arn:aws:sts::123456789012:assumed-role\/dr-approver\/backup-dr-drill at /);
    expect(out).toMatch(/^  app-db +pitr +into app-db-dr, restore point \S+, validation passed$/m);
    expect(out).toMatch(/^ +RTO [\d.]+ s \(target 120\.0 min\) ✓ +RPO [\d.]+ s \(target 15\.0 min\) ✓$/m);
    expect(out).toMatch(/^  app-config +restore +the newest bundle/m);
    if (redisUp) {
      // The cache: backed up by the real pipeline, seeded from the replicated export, validated, switched before maintenance ends.
      expect(out).toMatch(/✓ verify-cache-exports \(secondary\) +[\d.]+ s +backup-dr-app-redis-\d{8}-\d{4}-0001\.rdb: size and SHA256 checksum, RDB CRC64 intact/);
      expect(out).toMatch(/^  \S+  10 more keys written to app-redis-prod in ap-northeast-1: no export holds them$/m);
      expect(out).toMatch(/· app-redis-dr seeded: a redis-server on 127\.0\.0\.1:\d+ \(in \S+\) loaded the export's RDB/);
      const cacheOrder = ['Request approval', 'Maintenance on', 'Seed cache', 'Wait for cache', 'Validate cache', 'Record cache', 'Switch endpoint', 'Maintenance off', 'Report'];
      for (const state of cacheOrder) expect(out).toMatch(timelineLine(state));
      const cachePositions = cacheOrder.map((state) => position(out, state));
      expect(cachePositions).toEqual([...cachePositions].sort((a, b) => a - b));
      expect(out).toMatch(/^  app-redis +seed-from-export into app-redis-dr, restore point \S+, validation passed\n +RTO [\d.]+ s \(target 30\.0 min\) ✓ +RPO [\d.]+ (s|min) \(target 360\.0 min\) ✓$/m);
      for (const line of [
        /✓ \/app\/prod\/redis\/host \(ap-southeast-1\) now reads 127\.0\.0\.1:\d+, the seeded app-redis-dr \(before: app-redis-prod\.\S+:6379\)/,
        /✓ app-redis-dr holds the 3501 keys of the export \(restore point \S+\), content fingerprint equal to production's then, not the 10 written after it/,
        /✓ app-redis-dr is production now: available, tagged as ours and this run's \(no restore-test tag/,
      ]) expect(out).toMatch(line);
      expect(out).toMatch(/^SSM writes, in order: .*ap-southeast-1 \/app\/prod\/maintenance-mode v2;.*ap-southeast-1 \/app\/prod\/redis\/host v2; ap-southeast-1 \/app\/prod\/maintenance-mode v3$/m);
      expect(runFacts(out).redisDirs).toHaveLength(2);
    }
    expect(out).toMatch(/^  overall +RTO [\d.]+ s \(objectives\.regionFailover 240\.0 min\) ✓ +RPO [\d.]+ s \(target 60\.0 min\) ✓ — MET$/m);
    for (const line of [
      /✓ app-db-dr \(database \S+\) holds the 5000 orders shipped before the restore point, not the 25 written after it/,
      /✓ restore point \S+: the last shipped logs/,
      /✓ \/app\/prod\/database\/host \(ap-southeast-1\) now reads 127\.0\.0\.1:\d+, the recovered instance/,
      /✓ \/app\/prod\/maintenance-mode \(ap-southeast-1\): on before the recovery, off only after the endpoint switch/,
      /✓ app-config: 5 parameters written in ap-southeast-1 as backed up/,
      /✓ app-db-dr is production now: deletion protection on/,
    ]) expect(out).toMatch(line);
    expect(out).not.toMatch(/^  ✗/m);
    // The approvers' alert, as it would be sent; no value of the configuration anywhere.
    expect(out).toContain('CRITICAL: approval needed: region-failover drill-failover-');
    expect(out).not.toContain('tok_live_DrillSecureString');
    expect(out).toMatch(/^RESULT: PASSED — failover RTO [\d.]+ s, RPO [\d.]+ s \(objectives met\)$/m);
    expect(code).toBe(0);
    expect(await leftovers(runFacts(out))).toEqual([]);
  }, 240_000);

  it('rehearses: no approval, no maintenance mode, no endpoint, no SSM, Route 53 or secret write, production unchanged, the temporary instance gone; exit 0', async () => {
    const { code, out } = await drillOnce(['--scenario', 'rehearsal']);
    expect(out).toContain('{"mode":"rehearsal"}');
    expect(out).toContain('→ execution SUCCEEDED');
    for (const state of ['Assess', 'Restore database', 'Validate database', 'Tear down database', 'Report', '  restore-configuration › Plan']) expect(out).toMatch(timelineLine(state));
    for (const state of ['Request approval', 'Maintenance on', 'Switch endpoint', 'Maintenance off', '  restore-configuration › Write a batch']) expect(out).not.toMatch(timelineLine(state));
    expect(out).toMatch(/^  app-db +pitr +into bdr-rh-app-db-\d{12}, restore point \S+, validation passed$/m);
    for (const line of [
      '✓ no SSM parameter written (maintenance mode, endpoints, configuration) in either Region',
      '✓ no Route 53 call',
      '✓ no approval asked, no maintenance mode, no endpoint switched',
      '✓ no secret written',
      "✓ production's 3 tables have the same content fingerprint before and after",
    ]) expect(out).toContain(line);
    expect(out).toMatch(/✓ the configuration proven by a dry run \(drill-rehearsal-\S+-config-app-config SUCCEEDED\)/);
    expect(out).toMatch(/✓ the rehearsal's temporary instance bdr-rh-app-db-\d{12} gone \(teardown: deleted what the rehearsal created\)/);
    if (redisUp) {
      for (const state of ['Seed cache', 'Wait for cache', 'Validate cache', 'Record cache', 'Tear down cache']) expect(out).toMatch(timelineLine(state));
      expect(out).toMatch(/^  app-redis +seed-from-export into bdr-rh-app-redis-\d{12}, restore point \S+, validation passed$/m);
      expect(out).toMatch(/· bdr-rh-app-redis-\d{12} seeded: a redis-server on 127\.0\.0\.1:\d+ \(in \S+\) loaded the export's RDB/);
      for (const line of [
        /✓ bdr-rh-app-redis-\d{12} seeded in ap-southeast-1 from the verified export and validated by validate-cache-restore: passed/,
        /✓ the rehearsal's cache group bdr-rh-app-redis-\d{12} deleted and its redis-server \(127\.0\.0\.1:\d+\) stopped/,
        /✓ production's cache app-redis-prod: its 3501 keys have the same content fingerprint before and after/,
      ]) expect(out).toMatch(line);
      expect(out).not.toContain('app-redis-dr');
      expect(runFacts(out).redisDirs).toHaveLength(2);
    }
    expect(out).not.toContain('approval needed');
    expect(out).toMatch(/^RESULT: PASSED — rehearsal RTO [\d.]+ s, RPO [\d.]+ s \(objectives met\); production untouched, the rehearsal's instances gone$/m);
    expect(code).toBe(0);
    expect(await leftovers(runFacts(out))).toEqual([]);
  }, 240_000);

  it('without redis-server says the cache is skipped and fails over the rest; exit 0', async () => {
    const { code, out } = await drill(['--scenario', 'region-failover'], noRedis.env);
    expect(out).toMatch(/^backup-dr drill — region failover of app-db and app-config from ap-northeast-1/m);
    expect(out).toMatch(/^Redis: SKIPPED — redis-server is not on PATH .*: the drill's policy leaves caches\[\]\.failover out, so app-redis does not fail over; install redis-server to fail the cache over too\.$/m);
    expect(out).not.toMatch(timelineLine('Seed cache'));
    expect(out).not.toContain('app-redis-dr');
    expect(out).toMatch(/^RESULT: PASSED — failover RTO /m);
    expect(code).toBe(0);
    expect(await leftovers(runFacts(out))).toEqual([]);
  }, 240_000);

  it('on Ctrl-C during the failover removes everything it created (databases, both redis-servers), exit 130', async () => {
    const run = new LiveDrill(['--scenario', 'region-failover']);
    // Mid-execution: with Redis, once the cache's group is seeded (the production and the seeded redis-server both running).
    await run.line(redisUp ? /· app-redis-dr seeded: a redis-server on / : /^The disaster: ap-northeast-1 is lost$/);
    const facts = runFacts(run.out);
    if (redisUp) expect(facts.redisDirs).toHaveLength(2);
    expect(run.signalGroup('SIGINT')).toBe(true);
    const end = await run.exited;
    expect(end.code).toBe(130);
    expect(end.out).toMatch(/^RESULT: INTERRUPTED \(SIGINT\)$/m);
    expect(await leftovers(facts)).toEqual([]);
  }, 240_000);
});
