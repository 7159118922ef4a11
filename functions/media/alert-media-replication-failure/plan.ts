// The alerts for S3's replication events on a media bucket, pure (S3 user guide, "Receiving replication
// failure events with Amazon S3 Event Notifications"): an object that failed to replicate is critical and
// names S3's failure reason; one that missed Replication Time Control's 15 minutes is a warning. Keys in
// event notifications are URL-encoded, spaces as "+". S3's test event when the notification is set up,
// and the other replication events, alert nothing.

import * as z from 'zod/mini';
import type { Alert } from '../../../shared/alerts/alert.js';
import type { Policy } from '../../../shared/policy/schema.js';

const record = z.looseObject({
  eventName: z.optional(z.string()),
  eventTime: z.optional(z.string()),
  awsRegion: z.optional(z.string()),
  s3: z.optional(z.looseObject({ bucket: z.optional(z.looseObject({ name: z.optional(z.string()) })), object: z.optional(z.looseObject({ key: z.optional(z.string()), versionId: z.optional(z.string()), size: z.optional(z.number()) })) })),
  replicationEventData: z.optional(z.looseObject({ failureReason: z.optional(z.string()), destinationBucket: z.optional(z.string()) })),
});

/** An S3 event notification as Lambda receives it (or S3's test event, which has no Records). */
export const s3Notification = z.looseObject({ Records: z.optional(z.array(record)), Event: z.optional(z.string()) });
export type S3Notification = z.output<typeof s3Notification>;

const decodeKey = (key: string) => decodeURIComponent(key.replace(/\+/g, ' '));

export function replicationAlerts(policy: Policy, event: S3Notification, now: number): Alert[] {
  return (event.Records ?? []).flatMap((r): Alert[] => {
    const failed = r.eventName === 'Replication:OperationFailedReplication';
    const late = r.eventName === 'Replication:OperationMissedThreshold';
    if (!failed && !late) return [];
    const bucketName = r.s3?.bucket?.name ?? 'unknown';
    const bucket = policy.resources.buckets.find((b) => b.bucket === bucketName);
    const key = decodeKey(r.s3?.object?.key ?? '');
    const reason = r.replicationEventData?.failureReason;
    return [
      {
        severity: failed ? 'critical' : 'warning',
        kind: failed ? 'replication-failed' : 'replication-late',
        resource: bucket?.name ?? bucketName,
        region: r.awsRegion ?? policy.regions.primary,
        summary: failed ? `${bucketName}/${key} failed to replicate${reason === undefined ? '' : `: ${reason}`}` : `${bucketName}/${key} has not replicated within Replication Time Control's 15 minutes`,
        action: failed
          ? `The DR copy of this object does not exist. Fix the cause S3 names (the replication role, the replica's KMS grants, the destination bucket's versioning or policy), then replicate it again (S3 Batch Replication, or copy the object over itself).`
          : 'Usually a backlog that clears by itself; the daily replication check compares the object. If it repeats, look at the replication metrics (latency, operations pending).',
        source: 'alert-media-replication-failure',
        at: now,
        details: { bucket: bucketName, key, versionId: r.s3?.object?.versionId ?? null, failureReason: reason ?? null, eventTime: r.eventTime ?? null },
      },
    ];
  });
}
