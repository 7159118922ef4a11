// Benchmark: the daily media replication check over 10k, 100k and 1M objects — 1 % of them changed since
// the last run, a sample of 100 of the rest — against S3 answered by a generator (the listing is made
// page by page as it is asked for; HEAD answers the same copy on both sides), so what is measured is the
// check's own time and memory: peak RSS growth stays flat as the bucket grows. Prints; asserts nothing.

import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { verifyMediaReplication } from '../functions/media/verify-media-replication/verify-media-replication.js';
import { parsePolicy } from '../shared/policy/load.js';

const NOW = Date.parse('2026-12-01T09:00:00+09:00');

/** A client whose answers are made as they are asked for: nothing is stored. */
function generatedS3(objects: number): S3Client {
  const client = new S3Client({ region: 'ap-northeast-1' });
  const changedEvery = 100;
  client.send = (async (command: unknown) => {
    if (command instanceof ListObjectsV2Command) {
      const start = Number(command.input.ContinuationToken ?? 0);
      const end = Math.min(objects, start + 1000);
      const contents = [];
      for (let i = start; i < end; i++) contents.push({ Key: `media/${String(i).padStart(9, '0')}.jpg`, Size: 1000 + (i % 7), LastModified: new Date(NOW - (i % changedEvery === 0 ? 2 * 3_600_000 : 30 * 86_400_000)), ETag: `"e${i}"` });
      return { Contents: contents, IsTruncated: end < objects, ...(end < objects ? { NextContinuationToken: String(end) } : {}) };
    }
    if (command instanceof HeadObjectCommand) {
      const key = command.input.Key ?? '';
      return { ContentLength: 1000, ETag: `"${key}"`, VersionId: 'v1', ChecksumCRC64NVME: `c-${key}`, LastModified: new Date(NOW - 2 * 3_600_000), ReplicationStatus: 'COMPLETED' };
    }
    if (command instanceof GetObjectCommand) throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
    if (command instanceof PutObjectCommand) return {};
    throw new Error('unexpected command');
  }) as S3Client['send'];
  return client;
}

export async function benchMediaVerify(): Promise<string[]> {
  const policy = parsePolicy(readFileSync('backup-policy.yml', 'utf8'));
  const lines = ['media replication check (1 % changed since the last run + a sample of 100; S3 generated page by page; peak RSS growth sampled every 10 ms):'];
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
  for (const n of [10_000, 100_000, 1_000_000]) {
    global.gc?.();
    const base = process.memoryUsage().rss;
    let peak = base;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    const started = performance.now();
    const [result] = await verifyMediaReplication({ policy, source: generatedS3(n), replica: generatedS3(n), reportsBucket: 'reports', alerts: { publish: async () => undefined }, log, now: () => NOW, random: Math.random });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    lines.push(`  ${String(n).padStart(8)} objects: ${seconds.toFixed(2)} s, ${result?.changed ?? 0} changed and ${result?.sampled ?? 0} sampled compared, peak RSS +${((peak - base) / 2 ** 20).toFixed(0)} MiB`);
  }
  return lines;
}
