// What protects a media bucket (README, "Media"), in one place for the three that need it: the template
// of a managed bucket (deploy/components/media/buckets.ts), the CloudFormation snippet for a bucket
// another stack owns (deploy/components/media/snippet.ts) and the daily posture check that compares a
// bucket's live settings with it (functions/media/check-media-posture). Pure: days, classes, minutes.

import type { BucketResource } from '../policy/schema.js';
import { durationDays, type Duration } from '../retention/duration.js';

/** Replication Time Control and the replication metrics' threshold: S3 offers 15 minutes only. */
export const RTC_MINUTES = 15;

/** The storage class archive copies arrive in: Deep Archive (180 days minimum, far below the 7 years kept). */
export const ARCHIVE_STORAGE_CLASS = 'DEEP_ARCHIVE';

/**
 * Versions replaced in the archive bucket (the source overwrote the object) are kept 7 years — the
 * policy's compliance retention for business records — and then removed; current versions stay.
 */
export const ARCHIVE_NONCURRENT_DAYS = 7 * 365;

/** Incomplete multipart uploads are aborted after a week in every media bucket. */
export const ABORT_MULTIPART_DAYS = 7;

/** Standard-IA no earlier than this (S3 refuses a transition to it before 30 days). */
export const MIN_INFREQUENT_ACCESS_DAYS = 30;

/** Whole days of a policy duration, as lifecycle rules count them (a month as 30 days, a year as 365). */
export function lifecycleDays(d: Duration): number {
  return Math.max(1, durationDays(d));
}

export interface TransitionDays {
  readonly ia?: number;
  readonly glacier?: number;
  readonly deep?: number;
}

/** The source's transitions in days, as the policy says them (Standard-IA raised to S3's 30-day minimum). */
export function transitionDays(bucket: BucketResource): TransitionDays {
  const { infrequentAccessAfter, glacierAfter, deepArchiveAfter } = bucket.lifecycle;
  return {
    ...(infrequentAccessAfter === undefined ? {} : { ia: Math.max(MIN_INFREQUENT_ACCESS_DAYS, lifecycleDays(infrequentAccessAfter)) }),
    ...(glacierAfter === undefined ? {} : { glacier: lifecycleDays(glacierAfter) }),
    ...(deepArchiveAfter === undefined ? {} : { deep: lifecycleDays(deepArchiveAfter) }),
  };
}

export interface ExpectedTransition {
  readonly storageClass: 'STANDARD_IA' | 'GLACIER' | 'DEEP_ARCHIVE';
  readonly days: number;
}

/** The source's transitions in order, as a lifecycle rule lists them. */
export function expectedTransitions(bucket: BucketResource): ExpectedTransition[] {
  const days = transitionDays(bucket);
  return [
    ...(days.ia === undefined ? [] : [{ storageClass: 'STANDARD_IA' as const, days: days.ia }]),
    ...(days.glacier === undefined ? [] : [{ storageClass: 'GLACIER' as const, days: days.glacier }]),
    ...(days.deep === undefined ? [] : [{ storageClass: 'DEEP_ARCHIVE' as const, days: days.deep }]),
  ];
}

/** Days after which replaced and deleted versions are removed (source and replica), or undefined: kept. */
export function noncurrentDays(bucket: BucketResource): number | undefined {
  const after = bucket.lifecycle.noncurrentExpireAfter;
  return after === undefined ? undefined : lifecycleDays(after);
}
