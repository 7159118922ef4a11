// Packaging time only: what every bucket the stack replicates needs alike — the role S3 replicates with
// (read the source's replication configuration and versions, replicate into the destination; anything
// more, such as KMS, the caller adds).

import { getAtt, sub, type CfnResource, type CfnValue, type Statement } from './cloudformation.js';

export interface ReplicationRoleSpec {
  readonly description: string;
  readonly policyName: string;
  readonly sourceBuckets: readonly CfnValue[];
  readonly sourceObjects: readonly CfnValue[];
  readonly destinationObjects: readonly CfnValue[];
  readonly more?: readonly Statement[];
}

export function s3ReplicationRole(spec: ReplicationRoleSpec): CfnResource {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description: spec.description,
      AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
      Policies: [
        {
          PolicyName: spec.policyName,
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'], Resource: [...spec.sourceBuckets] },
              { Effect: 'Allow', Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'], Resource: [...spec.sourceObjects] },
              { Effect: 'Allow', Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'], Resource: [...spec.destinationObjects] },
              ...(spec.more ?? []),
            ],
          },
        },
      ],
    },
  };
}

/** A bucket policy that refuses every request without TLS, for the bucket of logical id `bucketId`. */
export function tlsOnlyBucketPolicy(bucketId: string): CfnResource {
  return {
    Type: 'AWS::S3::BucketPolicy',
    Properties: {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Sid: 'DenyWithoutTls', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [getAtt(bucketId), sub(`\${${bucketId}.Arn}/*`)], Condition: { Bool: { 'aws:SecureTransport': 'false' } } }],
      },
    },
  };
}
