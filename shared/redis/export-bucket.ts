// What a cache export bucket must grant ElastiCache, per region role: written into the bucket policy by
// deploy/components/redis/exports.ts and checked daily by check-cache-posture, so the two cannot drift
// apart. The ElastiCache user guide ("Grant ElastiCache access to your Amazon S3 bucket") names the
// service principal <region>.elasticache-snapshot.amazonaws.com and, for an export, s3:PutObject,
// s3:GetObject, s3:ListBucket, s3:GetBucketAcl, s3:ListMultipartUploadParts and
// s3:ListBucketMultipartUploads; seeding a cluster from an .rdb needs it to read the object (GetObject,
// ListBucket, GetBucketAcl).

/** The principal ElastiCache exports and seeds as, in one region. */
export const elastiCacheSnapshotPrincipal = (region: string): string => `${region}.elasticache-snapshot.amazonaws.com`;

/** The grant's statement id and actions: the primary's bucket receives exports, the secondary's seeds clusters. */
export const ELASTICACHE_EXPORT_GRANT = {
  primary: { sid: 'ElastiCacheWritesExports', actions: ['s3:PutObject', 's3:GetObject', 's3:ListBucket', 's3:GetBucketAcl', 's3:ListMultipartUploadParts', 's3:ListBucketMultipartUploads'] },
  secondary: { sid: 'ElastiCacheReadsSeeds', actions: ['s3:GetObject', 's3:ListBucket', 's3:GetBucketAcl'] },
} as const;

/** The actions of the grant that apply to the bucket itself; the others apply to its objects (bucket/*). */
export const BUCKET_LEVEL_ACTIONS: ReadonlySet<string> = new Set(['s3:ListBucket', 's3:GetBucketAcl', 's3:ListBucketMultipartUploads']);

/** The statement id of the deny of every request without TLS. */
export const TLS_ONLY_SID = 'DenyWithoutTls';
