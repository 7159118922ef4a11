// A verified mark counts only on the version it was written for: every reader of export state (prune,
// posture, the restore test's plan) asks the current version's tags through GetObjectTagging, which says
// which version they are of. Tags copied onto other content (CopyObject copies them by default) prove
// nothing. Against the S3 stand-in, which keeps versions and answers GetObjectTagging with the VersionId.

import { PutObjectTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { S3StandIn } from '../../../sandbox/aws/s3-standin.js';
import { EXPORT_TAG } from '../../../shared/contracts.js';
import { exportStates, isVerifiedHere } from '../../../shared/redis/export-objects.js';
import { markFits, verifiedMark } from '../../../shared/redis/exports.js';

const REGION = 'ap-southeast-1';
const BUCKET = 'backup-dr-exports-test-123456789012-ap-southeast-1';
const NAME = 'backup-dr-app-redis-20261129-0000';
const KEY = `${NAME}-0001.rdb`;
const TAG_KEY = EXPORT_TAG.verifiedIn(REGION);

describe('verified marks name the version they were written for', () => {
  const s3 = new S3StandIn();
  const side = { s3: new S3Client({ region: REGION }), bucket: BUCKET, region: REGION };
  beforeEach(() => s3.install());
  afterEach(() => s3.restore());

  it('count on their own version, not on another', () => {
    expect(markFits(verifiedMark('2026-11-29T01:00:00Z', 'v7'), 'v7')).toBe(true);
    expect(markFits(verifiedMark('2026-11-29T01:00:00Z', 'v7'), 'v8')).toBe(false);
    // Nothing to compare with (an unversioned answer): the mark stands, as it did before versions were read.
    expect(markFits('2026-11-29T01:00:00Z', null)).toBe(true);
  });

  it('an export whose mark was copied onto new content is not verified for prune, posture or the restore test', async () => {
    const first = s3.put(BUCKET, KEY, Buffer.from('REDIS0011 first'));
    s3.put(BUCKET, `${NAME}.parts-0001`, '');
    await side.s3.send(new PutObjectTaggingCommand({ Bucket: BUCKET, Key: KEY, VersionId: first.versionId, Tagging: { TagSet: [{ Key: TAG_KEY, Value: verifiedMark('2026-11-29T01:00:00Z', first.versionId) }] } }));
    expect(await isVerifiedHere(side, KEY, TAG_KEY)).toBe(true);
    expect((await exportStates(side, TAG_KEY)).get(NAME)?.verified).toBe(true);

    // Other content under the same key, the old tags carried over (as CopyObject's TaggingDirective COPY does).
    const second = s3.put(BUCKET, KEY, Buffer.from('REDIS0011 other content'), s3.object(BUCKET, KEY)?.tags);
    expect(second.tags[TAG_KEY]).toContain(first.versionId);
    expect(await isVerifiedHere(side, KEY, TAG_KEY)).toBe(false);
    expect((await exportStates(side, TAG_KEY)).get(NAME)?.verified).toBe(false);
  });
});
