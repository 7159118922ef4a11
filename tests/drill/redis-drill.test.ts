// The drill's Redis and media parts as a user runs them (the compiled drill, one run per argument list
// shared by the tests that read it): the real Redis pipeline and cache restore test against a private
// redis-server; each Redis fault and the team's own commands caught by what should catch them; a run
// without redis-server reports the Redis part skipped and still passes; the media replication check and a
// point-in-time restore of a prefix on the S3 stand-in, and its faults; nothing left behind.

import { afterAll, describe, expect, it } from 'vitest';
import { parseRedisCommand } from '../../drill/redis-command.js';
import { redisServerAvailable } from '../helpers/redis.js';
import { drill, drillOnce, leftovers, pathWithoutRedis, runFacts } from './drill-process.js';

const up = redisServerAvailable();
/** The drill's last word: its RESULT line, whole. */
const resultOf = (out: string) => /^RESULT: .*$/m.exec(out)?.[0];

describe('--inject-redis: a command as redis-cli reads it', () => {
  it('splits words, keeps quoted spaces, reads escapes, and refuses what redis-cli refuses', () => {
    expect(parseRedisCommand('SET config:schema-version "41 beta"')).toEqual(['SET', 'config:schema-version', '41 beta']);
    expect(parseRedisCommand(`EVAL "return redis.call(\\"DEL\\", KEYS[1])" 1 user:1`)).toEqual(['EVAL', 'return redis.call("DEL", KEYS[1])', '1', 'user:1']);
    expect(parseRedisCommand(`  HSET  'a key'  f "\\x41\\n"  `)).toEqual(['HSET', 'a key', 'f', 'A\n']);
    expect(parseRedisCommand(`SET k 'it\\'s'`)).toEqual(['SET', 'k', "it's"]);
    expect(() => parseRedisCommand('GET "unbalanced')).toThrow('unbalanced double quotes in: GET "unbalanced');
    expect(() => parseRedisCommand('GET "a"b')).toThrow(/closing quote must be followed by a space/);
    expect(() => parseRedisCommand('   ')).toThrow('empty command');
  });
});

const noRedis = pathWithoutRedis();
const env = noRedis.env;

describe.skipIf(!up)('npm run drill: the Redis and media parts', { concurrent: true }, () => {
  it('backs up the cache through the real pipeline and proves the replicated export by seeding a second server from it', async () => {
    const { code, out } = await drillOnce([]);
    expect(code).toBe(0);
    expect(out).toMatch(/^Sample production cache app-redis-prod: a private redis-server on 127\.0\.0\.1:\d+ \(in \S+\) with 3501 keys/m);
    expect(out).toMatch(/✓ capture-cache-manifest +[\d.]+ s +manifests\/app-redis\/backup-dr-app-redis-\d{8}-\d{4}\.json \(captured, 3501 keys\)/);
    expect(out).toMatch(/✓ take-cache-snapshot +[\d.]+ s +backup-dr-app-redis-\d{8}-\d{4} \(created, no replica: from the primary\): BGSAVE/);
    expect(out).toMatch(/✓ export-cache-snapshots +[\d.]+ s +export requested: backup-dr-app-redis-/);
    expect(out).toMatch(/✓ export-cache-snapshots +[\d.]+ s +arrived \(marker written\): backup-dr-app-redis-/);
    expect(out).toMatch(/✓ S3 replication \(RTC\) +[\d.]+ s +2 objects to backup-dr-exports-drill-123456789012-ap-southeast-1/);
    expect(out).toMatch(/✓ verify-cache-exports \(secondary\) +[\d.]+ s +backup-dr-app-redis-\d{8}-\d{4}-0001\.rdb: size and SHA256 checksum, RDB CRC64 intact/);
    expect(out).toMatch(/· bdr-crt-app-redis-\d{12} seeded: a redis-server on 127\.0\.0\.1:\d+ \(in \S+\) loaded the export's RDB/);
    for (const check of ['✓ connectivity', '✓ key-counts', '✓ sampled-keys', '✓ required-keys', '✓ assertions']) expect(out).toContain(check);
    expect(out).toMatch(/RTO [\d.]+ s \(target 30\.0 min\) ✓/);
    expect(out).toMatch(/^Redis outcome: PASSED$/m);
    expect(out).toMatch(/^Cleanup: stopped the private production Redis \(port \d+\) and removed \S+$/m);
    expect(await leftovers(runFacts(out))).toEqual([]);
  }, 240_000);

  it('restores a media prefix to the time before an incident, after the replication check found the replica whole', async () => {
    const { code, out } = await drillOnce([]);
    expect(code).toBe(0);
    expect(out).toMatch(/✓ verify-media-replication +[\d.]+ s +5 listed, 0 changed since the last check, 5 sampled: 5 the same in the replica/);
    expect(out).toMatch(/dry run — 5 keys under "uploads\/" at \S+: 2 unchanged, 2 to copy back \(0 from the replica, 0\.00 GiB\), 1 to delete\./);
    expect(out).toMatch(/→ execution SUCCEEDED: restored — 5 keys under "uploads\/"/);
    for (const line of ['✓ uploads/avatar-2.png     avatar two', '✓ uploads/invoice-7.pdf    invoice seven', '✓ uploads/junk.tmp         (absent)']) expect(out).toContain(line);
    expect(out).toMatch(/^Media outcome: PASSED$/m);
  }, 240_000);

  it.each([
    { fault: 'media-replica-missing', caught: /✗ replication-mismatch: 1 objects of app-media-prod missing or different in app-media-replica-apse1: uploads\/invoice-7\.pdf: missing in the replica \d+ min after it was written \(still PENDING\)/ },
    { fault: 'media-checksum-mismatch', caught: /✗ replication-mismatch: .*uploads\/banner\.jpg: SHA256 \S+ in the source, \S+ in the replica/ },
  ])('--break $fault is caught by the replication check and exits 1', async ({ fault, caught }) => {
    const { code, out } = await drillOnce(['--break', fault]);
    expect(out).toMatch(caught);
    expect(resultOf(out)).toBe(`RESULT: FAILED — the fault "${fault}" was caught by replication-mismatch (verify-media-replication)`);
    expect(out).toMatch(/^Media outcome: FAILED/m);
    expect(code).toBe(1);
    // The next morning's checklist: the replication check's count of the day, the bucket failing.
    expect(out).toContain('  | [XX] media (media): 1 objects missing or different in the replica (ap-southeast-1)\n');
  }, 240_000);

  it.each([
    { fault: 'redis-truncated-export', caught: [/✗ verify-cache-exports +[\d.]+ s +RunFailed/, /CRITICAL: export backup-dr-app-redis-\d{8}-\d{4}-0001\.rdb failed verification: No EOF marker before the checksum/, /✗ NoCacheRestorePoint: no whole, verified export/], by: 'verification-failed (verify-cache-exports)' },
    { fault: 'redis-key-loss', caught: [/! --break redis-key-loss: 100 of the user:\* hashes deleted/, /✗ key-counts +1 of 2 databases differ .*db0 captured 3201, restored 3101/], by: 'redis key-counts' },
    { fault: 'redis-seed-fails', caught: [/✗ CacheRestoreFailed: the temporary group bdr-crt-app-redis-\d{12} is "create-failed"/], by: 'CacheRestoreFailed' },
  ])('--break $fault is caught ($by), exits 1 and leaves nothing behind', async ({ fault, caught, by }) => {
    const { code, out } = await drillOnce(['--break', fault]);
    for (const pattern of caught) expect(out).toMatch(pattern);
    expect(resultOf(out)).toMatch(new RegExp(`^RESULT: FAILED — the fault "${fault}" was caught by .*${by.replace(/[()]/g, '\\$&')}`));
    expect(out).toMatch(/^Redis outcome: FAILED/m);
    expect(out).toMatch(/^Database outcome: PASSED$/m);
    expect(code).toBe(1);
    expect(await leftovers(runFacts(out))).toEqual([]);
    // The next morning's checklist marks the cache failing (the failed verifications of each Region, or the failed restore test).
    expect(out).toMatch(/^ {2}\| \[XX\] app-redis \(redis\): /m);
  }, 240_000);

  it('gives the daily checklist the cache\'s figures: its restore test in the secondary, where the drill ran it, and the verifications failed per Region', async () => {
    const [plain, truncated] = await Promise.all([drillOnce([]), drillOnce(['--break', 'redis-truncated-export'])]);
    expect(plain.out).toMatch(/^ {2}\| {6}Restore test cache-restore \(ap-southeast-1\): 1 passed, 0 failed, 0 inconclusive — RTO \d+ s, target 30 min$/m);
    expect(plain.out).toMatch(/^ {2}\| {6}Evidence: https:\/\/s3\.console\.aws\.amazon\.com\/s3\/object\/backup-dr-reports-drill\?region=ap-southeast-1&prefix=evidence%2Fapp-redis%2F/m);
    expect(truncated.out).toContain('  | [XX] app-redis (redis): 1 exports failed verification (ap-northeast-1); 1 exports failed verification (ap-southeast-1); ');
  }, 240_000);

  it('--inject-redis runs the team\'s commands on the restored server before validation; validation catches what they did', async () => {
    const { code, out } = await drillOnce(['--inject-redis', 'SET config:schema-version "41 beta"', '--inject-redis', 'EVAL "for i=0,99 do redis.call(\\"DEL\\", \\"page:\\" .. i) end return 100" 0']);
    expect(out).toMatch(/! --inject-redis #1 on bdr-crt-app-redis-\d{12}: SET config:schema-version "41 beta" → "OK"/);
    expect(out).toMatch(/! --inject-redis #2 on bdr-crt-app-redis-\d{12}: EVAL .* → 100/);
    expect(out).toMatch(/✗ assertions +1 of 1 assertions failed: "schema version": expected "42", got "41 beta"/);
    expect(out).toMatch(/✗ key-counts +1 of 2 databases differ .*db0 captured 3201, restored 3101/);
    expect(resultOf(out)).toMatch(/^RESULT: FAILED — the injected Redis commands were caught by .*redis assertions/);
    expect(code).toBe(1);
    expect(await leftovers(runFacts(out))).toEqual([]);
  }, 240_000);

  it('a command the server refuses is no verdict (exit 3); one that cannot be read is a usage error (exit 2)', async () => {
    const refused = await drillOnce(['--inject-redis', 'NOSUCHCOMMAND x']);
    expect(resultOf(refused.out)).toMatch(/^RESULT: ERROR — --inject-redis #1 failed on the restored server: ERR unknown command 'NOSUCHCOMMAND'/);
    expect(refused.code).toBe(3);
    expect(await leftovers(runFacts(refused.out))).toEqual([]);
    const unreadable = await drill(['--inject-redis', 'GET "unbalanced']);
    expect(unreadable.err).toContain('drill: --inject-redis #1: unbalanced double quotes in: GET "unbalanced');
    expect(unreadable.code).toBe(2);
  }, 240_000);

  // Without redis-server on PATH (everything else this machine has is there, linked one by one).
  it('reports the Redis part skipped with the reason and passes on the database; a Redis fault cannot be rehearsed (exit 3)', async () => {
    const [plain, faulted] = await Promise.all([drill([], env), drill(['--break', 'redis-key-loss'], env)]);
    expect(plain.out).toMatch(/^Redis: SKIPPED — redis-server is not on PATH \(spawnSync redis-server ENOENT\)\./m);
    expect(resultOf(plain.out)).toBe('RESULT: PASSED (Redis skipped: redis-server is not on PATH (spawnSync redis-server ENOENT))');
    expect(plain.code).toBe(0);
    expect(resultOf(faulted.out)).toBe('RESULT: ERROR — cannot rehearse --break redis-key-loss: redis-server is not on PATH (spawnSync redis-server ENOENT)');
    expect(faulted.code).toBe(3);
  }, 240_000);
});

afterAll(() => noRedis.remove());
