// The CloudFormation a stack that owns a media bucket must declare (deploy/components/media/snippet.ts):
// built by the functions that build the managed buckets, so it says what the template says (but our
// owner tag and the wiring to our own function); and the README's copy is exactly what it prints.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SERVICE_DIR } from '../../deploy/bundles.js';
import { EVENTS_PARAMETER, ownedBucketSnippet, ownedBucketTemplates } from '../../deploy/components/media/snippet.js';
import { PackagingError } from '../../deploy/core/cloudformation.js';
import { deployIn } from '../infra/deployments.js';
import { teamPolicy } from '../helpers/runtime.js';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown>; DependsOn?: unknown }>;

describe('the snippet for a media bucket another stack owns', () => {
  const policy = teamPolicy();
  const bucket = policy.resources.buckets[0]!;

  it("the README shows exactly what the generator prints for the team's media bucket, stage prod", () => {
    const readme = readFileSync(join(SERVICE_DIR, 'README.md'), 'utf8');
    const shown = /<!-- media-owned-bucket-snippet:begin -->\n```yaml\n([\s\S]*?)```\n<!-- media-owned-bucket-snippet:end -->/.exec(readme);
    expect(shown, 'the README has the snippet between its markers').not.toBeNull();
    expect(shown![1]).toBe(ownedBucketSnippet(policy, 'prod', 'media'));
  });

  it("says what the managed template says: each side's bucket and policy, and the replication role, as the stack that manages them declares them", () => {
    const templates = ownedBucketTemplates(policy, 'test', bucket);
    const primary = deployIn(policy).resources.Resources as Resources;
    const secondary = deployIn(policy, policy.regions.secondary).resources.Resources as Resources;
    const archive = deployIn(policy, policy.regions.archive).resources.Resources as Resources;
    const { Tags: _source, NotificationConfiguration: ourEvents, ...sourceProperties } = primary.MediaBucket1!.Properties;
    const owned = (templates.primary.Resources as Resources).MediaBucket!;
    const { NotificationConfiguration: theirEvents, ...ownedProperties } = owned.Properties;
    expect(ownedProperties).toEqual(sourceProperties);
    // The replication events go to our function all the same, named by a parameter (our stack's output).
    expect(JSON.stringify(theirEvents)).toBe(JSON.stringify(ourEvents).replaceAll(JSON.stringify({ 'Fn::GetAtt': ['AlertDashmediaDashreplicationDashfailureLambdaFunction', 'Arn'] }), JSON.stringify({ Ref: EVENTS_PARAMETER })));
    expect(owned.DependsOn).toBeUndefined();
    expect((templates.primary.Resources as Resources).MediaReplicationRole).toEqual(primary.MediaReplicationRole);
    const { Tags: _replica, ...replicaProperties } = secondary.MediaReplicaBucket1!.Properties;
    expect((templates.secondary.Resources as Resources).MediaReplicaBucket!.Properties).toEqual(replicaProperties);
    const { Tags: _archive, ...archiveProperties } = archive.MediaArchiveBucket1!.Properties;
    expect((templates.archive!.Resources as Resources).MediaArchiveBucket!.Properties).toEqual(archiveProperties);
    // Not our bucket: no owner tag of ours anywhere in it.
    expect(ownedBucketSnippet(policy, 'test', 'media')).not.toContain(policy.tags.owner);
  });

  it('prints valid YAML documents, one per stack, with TLS-only policies and the role trusting S3', () => {
    const documents = ownedBucketSnippet(policy, 'prod', 'media').split(/^---$/m).map((text) => parse(text, { version: '1.1' }) as { Resources: Resources; Parameters?: unknown });
    expect(documents.map((d) => Object.keys(d.Resources))).toEqual([['MediaBucket', 'MediaBucketPolicy', 'MediaReplicationRole'], ['MediaReplicaBucket', 'MediaReplicaBucketPolicy'], ['MediaArchiveBucket', 'MediaArchiveBucketPolicy']]);
    expect(documents[0]!.Parameters).toEqual({ [EVENTS_PARAMETER]: expect.objectContaining({ Type: 'String' }) });
    expect((documents[0]!.Resources.MediaReplicationRole!.Properties as { AssumeRolePolicyDocument: unknown }).AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    for (const document of documents) {
      const policies = Object.values(document.Resources).filter((r) => r.Type === 'AWS::S3::BucketPolicy');
      expect(policies.map((p) => (p.Properties as { PolicyDocument: { Statement: { Condition: unknown }[] } }).PolicyDocument.Statement[0]!.Condition)).toEqual([{ Bool: { 'aws:SecureTransport': 'false' } }]);
    }
  });

  it('without an archive region: two stacks, and the source replicates to the replica only; an unknown bucket is refused by name', () => {
    const noArchive = teamPolicy((doc) => {
      delete doc.regions.archive;
    });
    const text = ownedBucketSnippet(noArchive, 'prod', 'media');
    expect(text.split(/^---$/m)).toHaveLength(2);
    expect(text).not.toContain('app-media-archive-apse2');
    expect(() => ownedBucketSnippet(policy, 'prod', 'photos')).toThrow(PackagingError);
    expect(() => ownedBucketSnippet(policy, 'prod', 'photos')).toThrow('resources.buckets has no bucket named "photos" (it has: media)');
  });
});
