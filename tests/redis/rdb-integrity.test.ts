// The RDB integrity check on dumps a real redis-server wrote: a fresh dump is intact however it is cut
// into chunks; truncated, bit-flipped, foreign, empty and unchecksummed files are each told apart and
// named; the CRC is Redis's own (its check value, a bit-at-a-time reference, redis-check-rdb's opinion);
// and a dump of a few hundred megabytes is checked in a child process in memory that does not grow.

import fc from 'fast-check';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRdbStream, crc64, Crc64, RdbIntegrityCheck, type RdbFlaw, type RdbVerdict } from '../../shared/redis/rdb-integrity.js';
import { childChecker, fillEveryType, inChunks, redisAvailable, RedisServer } from './helpers/rdb-files.js';

const run = promisify(execFile);
const redisUp = await redisAvailable();

const MiB = 1024 * 1024;
const text = (value: string) => new TextEncoder().encode(value);
const check = (bytes: Uint8Array, sizes: readonly number[] = [64 * 1024]) => checkRdbStream(inChunks(bytes, sizes));

/** CRC-64/Jones one bit at a time with BigInt, as the polynomial defines it: slow, and plainly right. */
function referenceCrc64(bytes: Uint8Array): string {
  const poly = 0x95ac9329ac4bc9b5n;
  let crc = 0n;
  for (const byte of bytes) {
    crc ^= BigInt(byte);
    for (let bit = 0; bit < 8; bit++) crc = (crc & 1n) === 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return crc.toString(16).padStart(16, '0');
}

/** The checksum in a file's last 8 bytes, read the plain way (a little-endian 64-bit integer). */
function trailerCrc(bytes: Uint8Array): string {
  return Buffer.from(bytes).readBigUInt64LE(bytes.length - 8).toString(16).padStart(16, '0');
}

function flipped(bytes: Uint8Array, at: number): Uint8Array {
  const copy = bytes.slice();
  copy[at]! ^= 0x01;
  return copy;
}

/** `bytes` under another 9-byte signature, with the checksum it then needs. */
function resigned(bytes: Uint8Array, signature: string): Uint8Array {
  const copy = bytes.slice();
  copy.set(text(signature), 0);
  Buffer.from(copy.buffer).writeBigUInt64LE(BigInt(`0x${crc64(copy.subarray(0, copy.length - 8))}`), copy.length - 8);
  return copy;
}

function problemOf(verdict: RdbVerdict): string {
  if (verdict.status === 'intact') throw new Error('the verdict is intact: it has no problem');
  return verdict.problem;
}

describe('the CRC64 Redis appends to RDB files', () => {
  it('gives e9c6d914c4b8d9ca for "123456789", the check value of CRC-64/Jones with init 0', () => {
    expect(crc64(text('123456789'))).toBe('e9c6d914c4b8d9ca');
    expect(crc64(new Uint8Array(0))).toBe('0000000000000000');
  });

  it('agrees with a bit-at-a-time reference on any bytes, at any offset, fed in any pieces', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat({ max: 7 }), fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1 }), (bytes, offset, pieces) => {
        // An offset into a larger buffer, as a chunk of Node's shared buffer pool has.
        const data = new Uint8Array(offset + bytes.length);
        data.set(bytes, offset);
        const crc = new Crc64();
        for (let at = offset, n = 0; at < data.length; at += pieces[n % pieces.length]!, n++) crc.update(data, at, Math.min(data.length, at + pieces[n % pieces.length]!));
        expect(crc.hex).toBe(referenceCrc64(bytes));
        expect(crc64(data.subarray(offset))).toBe(referenceCrc64(bytes));
      }),
      { numRuns: 300 },
    );
  });
});

describe('files that cannot be RDB files', () => {
  const cases: { name: string; bytes: Uint8Array; flaw: RdbFlaw; says: string[] }[] = [
    { name: 'an empty file', bytes: new Uint8Array(0), flaw: 'too-short', says: ['empty (0 bytes)'] },
    { name: 'a text file', bytes: text('cache backup of 2026-11-24\n'), flaw: 'not-rdb', says: ['Not an RDB file', 'starts with "cache bac"'] },
    { name: 'a gzip file', bytes: gzipSync(text('REDIS0011')), flaw: 'not-rdb', says: ['starts with "\\x1f\\x8b\\x08'] },
    { name: 'a signature with letters for digits', bytes: text('REDIS00x1 and more'), flaw: 'not-rdb', says: ['starts with "REDIS00x1"'] },
    { name: 'part of a Redis signature', bytes: text('REDIS00'), flaw: 'too-short', says: ['7 bytes ("REDIS00")', 'not even its 9-byte signature'] },
    { name: 'part of a Valkey signature', bytes: text('VALKEY0'), flaw: 'too-short', says: ['7 bytes ("VALKEY0")'] },
    { name: 'a signature and no more', bytes: text('REDIS0011'), flaw: 'too-short', says: ['9 bytes', 'even an empty RDB version 11 file has 18'] },
  ];

  it.each(cases)('finds $name corrupt ($flaw)', async ({ bytes, flaw, says }) => {
    const verdict = await check(bytes, [1]);

    expect(verdict).toMatchObject({ status: 'corrupt', flaw, bytes: bytes.length });
    for (const words of says) expect(problemOf(verdict)).toContain(words);
  });
});

describe.skipIf(!redisUp)('RDB files a real redis-server wrote', () => {
  const servers: RedisServer[] = [];
  let scratch = '';
  /** A dump of keys of every type, with the default `rdbchecksum yes`. */
  let dump: Uint8Array;
  let version: number;
  let serverVersion: string;

  async function server(args: string[] = [], rdb?: Uint8Array): Promise<RedisServer> {
    const started = await RedisServer.start({ args, rdb });
    servers.push(started);
    return started;
  }

  /** What redis-check-rdb, the checker that ships with Redis, prints about these bytes. */
  async function redisCheckRdb(bytes: Uint8Array, name: string): Promise<string> {
    const path = join(scratch, name);
    await writeFile(path, bytes);
    const result = await run('redis-check-rdb', [path]).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
    return result.stdout;
  }

  /**
   * What a truncation (or anything added) leaves 9 bytes from the new end decides what is seen first: the
   * EOF marker is missing, unless that byte happens to be 0xff, in which case the checksum cannot match.
   */
  const flawOfResized = (bytes: Uint8Array): RdbFlaw => (bytes[bytes.length - 9] === 0xff ? 'checksum-mismatch' : 'no-eof-marker');

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'bdr-rdb-'));
    const redis = await server();
    await fillEveryType(redis);
    dump = await redis.save();
    version = Number(new TextDecoder().decode(dump.subarray(5, 9)));
    serverVersion = /redis_version:(\S+)/.exec(await redis.cli('INFO', 'server'))![1]!;
  }, 30_000);

  afterAll(async () => {
    await Promise.all(servers.map((running) => running.stop()));
    if (scratch !== '') await rm(scratch, { recursive: true, force: true });
  });

  it('finds a fresh dump intact: its signature, its version and the checksum Redis stored', async () => {
    const verdict = await check(dump);

    expect(dump.length).toBeGreaterThan(100_000);
    expect(version).toBeGreaterThanOrEqual(10);
    expect(verdict).toEqual({ status: 'intact', bytes: dump.length, signature: 'REDIS', version, storedCrc: trailerCrc(dump), computedCrc: trailerCrc(dump) });
    expect(await redisCheckRdb(dump, 'fresh.rdb')).toContain('Checksum OK');
    console.info(`[redis] redis-server ${serverVersion} wrote RDB version ${version} (${dump.length} bytes, CRC64 ${trailerCrc(dump)})`);
  });

  it('gives the same verdict whatever sizes the chunks arrive in: 1 byte, 7, 64 KiB, a mixture, at random', async () => {
    const whole = await check(dump, [dump.length]);

    for (const sizes of [[1], [7], [64 * 1024], [3, 1, 8, 9, 2, 0, 5, 4096]]) expect(await check(dump, sizes)).toEqual(whole);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 20 }), async (sizes) => {
        expect(await check(dump, sizes)).toEqual(whole);
      }),
      { numRuns: 30 },
    );
  });

  it('gives a verdict on the bytes so far at any point, and takes more chunks after it', () => {
    const checking = new RdbIntegrityCheck();
    checking.update(dump.subarray(0, 4)).update(dump.subarray(4, 1000));

    expect(checking.finish()).toMatchObject({ status: 'corrupt', flaw: flawOfResized(dump.subarray(0, 1000)), bytes: 1000 });
    expect(checking.update(dump.subarray(1000)).finish()).toMatchObject({ status: 'intact', bytes: dump.length });
  });

  const cuts: { name: string; keep: (length: number) => number }[] = [
    { name: 'just after its first key began', keep: () => 120 },
    { name: 'in the middle', keep: (length) => Math.floor(length / 2) },
    { name: 'just before the EOF marker', keep: (length) => length - 9 },
    { name: 'right after the EOF marker', keep: (length) => length - 8 },
    { name: 'inside the checksum', keep: (length) => length - 4 },
    { name: 'one byte short', keep: (length) => length - 1 },
  ];

  it.each(cuts)('finds a dump truncated $name corrupt, and says what is missing', async ({ keep }) => {
    const cut = dump.subarray(0, keep(dump.length));

    const verdict = await check(cut, [7]);

    const flaw = flawOfResized(cut);
    expect(verdict).toMatchObject({ status: 'corrupt', flaw, bytes: cut.length, signature: 'REDIS', version });
    if (flaw === 'no-eof-marker') expect(problemOf(verdict)).toContain(`No EOF marker before the checksum: byte ${cut.length - 9} of ${cut.length} is`);
    else expect(problemOf(verdict)).toContain('Checksum mismatch');
  });

  it('finds a dump truncated where a 0xff happens to sit 9 bytes from the new end corrupt, by its checksum', async () => {
    // Listpacks end with 0xff: the dump of small hashes and lists has them all through it.
    const at = dump.indexOf(0xff, Math.floor(dump.length / 3));
    const cut = dump.subarray(0, at + 9);

    const verdict = await check(cut);

    expect(verdict).toMatchObject({ status: 'corrupt', flaw: 'checksum-mismatch', storedCrc: trailerCrc(cut) });
    expect(problemOf(verdict)).toContain(`the file records ${trailerCrc(cut)} but its bytes give`);
  });

  it('finds a dump truncated inside or just after its signature too short, naming the length', async () => {
    const inside = await check(dump.subarray(0, 5), [1]);
    const after = await check(dump.subarray(0, 9), [1]);

    expect(inside).toMatchObject({ status: 'corrupt', flaw: 'too-short', bytes: 5 });
    expect(problemOf(inside)).toContain('5 bytes ("REDIS")');
    expect(after).toMatchObject({ status: 'corrupt', flaw: 'too-short', bytes: 9, signature: 'REDIS', version });
    expect(problemOf(after)).toContain(`Too short for an RDB file: 9 bytes, where even an empty RDB version ${version} file has 18`);
  });

  it('finds a dump with something appended corrupt (a newline added in transfer)', async () => {
    const appended = new Uint8Array([...dump, 0x0a]);

    const verdict = await check(appended);

    expect(verdict).toMatchObject({ status: 'corrupt', flaw: flawOfResized(appended), bytes: dump.length + 1 });
  });

  it('finds whole dumps back to back intact, as redis-check-rdb does (redis-server loads the first)', async () => {
    const twice = new Uint8Array([...dump, ...dump]);

    const verdict = await check(twice);

    expect(verdict).toMatchObject({ status: 'intact', bytes: 2 * dump.length, storedCrc: trailerCrc(dump) });
    expect(await redisCheckRdb(twice, 'twice.rdb')).toContain('RDB looks OK');
  });

  const flips: { name: string; at: (length: number) => number; flaw: RdbFlaw; says: (original: string) => string }[] = [
    { name: 'the first letter of the signature', at: () => 0, flaw: 'not-rdb', says: () => 'Not an RDB file: it starts with "SEDIS00' },
    { name: 'the last digit of the version', at: () => 8, flaw: 'checksum-mismatch', says: (original) => `Checksum mismatch: the file records ${original} but its bytes give` },
    { name: 'an aux field of the header (redis-ver)', at: () => 20, flaw: 'checksum-mismatch', says: (original) => `the file records ${original}` },
    { name: 'a byte in the middle', at: (length) => Math.floor(length / 2), flaw: 'checksum-mismatch', says: (original) => `the file records ${original}` },
    { name: 'the EOF marker', at: (length) => length - 9, flaw: 'no-eof-marker', says: () => 'is 0xfe where 0xff belongs' },
    { name: 'the first byte of the checksum', at: (length) => length - 8, flaw: 'checksum-mismatch', says: (original) => `but its bytes give ${original}` },
    { name: 'the last byte of the checksum', at: (length) => length - 1, flaw: 'checksum-mismatch', says: (original) => `but its bytes give ${original}` },
  ];

  it.each(flips)('finds a dump with one bit flipped in $name corrupt ($flaw)', async ({ at, flaw, says }) => {
    const damaged = flipped(dump, at(dump.length));

    const verdict = await check(damaged, [1, 7, 64 * 1024]);

    expect(verdict).toMatchObject({ status: 'corrupt', flaw, bytes: dump.length });
    expect(problemOf(verdict)).toContain(says(trailerCrc(dump)));
  });

  it('agrees with redis-check-rdb on a bit flipped inside a string value, which only the checksum can see', async () => {
    // The dump still parses (the value reads "value:1233" where "value:1234" was): Redis's own checker
    // reads every key and fails only on the checksum, as the check here does without parsing anything.
    const damaged = flipped(dump, Buffer.from(dump).indexOf('value:1234') + 9);

    const verdict = await check(damaged);

    expect(verdict).toMatchObject({ status: 'corrupt', flaw: 'checksum-mismatch' });
    const opinion = await redisCheckRdb(damaged, 'flipped.rdb');
    expect(opinion).toContain('RDB CRC error');
    expect(opinion).toMatch(/\[info\] \d+ keys read/);
  });

  it('finds a dump gzipped after it was written not an RDB file, and shows how it starts', async () => {
    const verdict = await check(gzipSync(dump));

    expect(verdict).toMatchObject({ status: 'corrupt', flaw: 'not-rdb' });
    expect(problemOf(verdict)).toContain('it starts with "\\x1f\\x8b');
  });

  it('cannot verify a dump from a server run with rdbchecksum no, and says so', async () => {
    const unchecked = await server(['--rdbchecksum', 'no']);
    await fillEveryType(unchecked);
    const bytes = await unchecked.save();

    const verdict = await check(bytes);

    expect(verdict).toMatchObject({ status: 'unverifiable', flaw: 'checksum-disabled', signature: 'REDIS', version, storedCrc: '0000000000000000' });
    expect(verdict.computedCrc).not.toBe('0000000000000000');
    expect(problemOf(verdict)).toBe('Written without a checksum (the server ran with rdbchecksum no): its contents cannot be verified.');
    expect(await redisCheckRdb(bytes, 'unchecked.rdb')).toContain('saved with checksum disabled');
  });

  it('reads a Valkey 9 signature (VALKEY080), with the dump re-signed here as no valkey-server is at hand', async () => {
    const valkey = resigned(dump, 'VALKEY080');

    const intact = await check(valkey, [3]);
    const damaged = await check(flipped(valkey, 5000));

    expect(intact).toMatchObject({ status: 'intact', signature: 'VALKEY', version: 80 });
    expect(damaged).toMatchObject({ status: 'corrupt', flaw: 'checksum-mismatch', signature: 'VALKEY', version: 80 });
  });

  it('cannot verify an RDB version 4 file (no checksum before version 5) but still finds one cut short', async () => {
    // RDB version 4 written out by hand: SELECTDB 0, the string foo = bar, EOF. redis-server loads it.
    const old = new Uint8Array([...text('REDIS0004'), 0xfe, 0x00, 0x00, 0x03, ...text('foo'), 0x03, ...text('bar'), 0xff]);
    const loaded = await server([], old);
    expect(await loaded.cli('GET', 'foo')).toBe('bar');

    const whole = await check(old, [1]);
    const cut = await check(old.subarray(0, old.length - 1));

    expect(whole).toMatchObject({ status: 'unverifiable', flaw: 'version-without-checksum', signature: 'REDIS', version: 4, bytes: old.length });
    expect(problemOf(whole)).toContain('RDB version 4 (Redis 2.4 or older) has no checksum');
    expect(cut).toMatchObject({ status: 'corrupt', flaw: 'no-eof-marker' });
    expect(problemOf(cut)).toContain('the last byte is 0x72 where an RDB version 4 file ends with 0xff');
  });
});

describe.skipIf(!redisUp)('a large dump, checked in a child process', () => {
  let dir = '';

  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('LARGE DUMP: checks ~175 MB intact while the child peaks within 64 MiB of a bare check', { timeout: 120_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'bdr-rdb-large-'));
    // A million keys of 160-byte values, stored uncompressed (DEBUG POPULATE pads its values with zeros,
    // which LZF would squeeze to nothing): ~175 MB in about two seconds.
    const redis = await RedisServer.start({ args: ['--rdbcompression', 'no'] });
    const large = join(dir, 'large.rdb');
    const small = join(dir, 'small.rdb');
    try {
      await redis.cli('SET', 'one', 'key');
      await redis.saveTo(small);
      await redis.cli('DEBUG', 'POPULATE', '1000000', 'key', '160');
      await redis.saveTo(large);
    } finally {
      await redis.stop();
    }
    const checkInChild = await childChecker(dir);

    // The bare check: the same child, the same module and stream machinery, on a dump of one key.
    const bare = await checkInChild(small);
    const big = await checkInChild(large);

    const { size } = await stat(large);
    expect(size).toBeGreaterThan(150e6);
    expect(bare.verdict.status).toBe('intact');
    expect(big.verdict).toMatchObject({ status: 'intact', bytes: size, signature: 'REDIS' });
    expect(big.maxRssBytes - bare.maxRssBytes).toBeLessThan(64 * MiB);
    const mb = (bytes: number) => (bytes / MiB).toFixed(1);
    console.info(
      `[redis] checked ${(size / 1e6).toFixed(0)} MB in ${big.seconds.toFixed(2)} s (${(size / 1e6 / big.seconds).toFixed(0)} MB/s); ` +
        `peak RSS ${mb(big.maxRssBytes)} MiB against ${mb(bare.maxRssBytes)} MiB for a one-key dump (+${mb(big.maxRssBytes - bare.maxRssBytes)} MiB)`,
    );
  });
});
