// Packaging time only: the vocabulary the dashboard modules (deploy/components/<component>/dashboard.ts,
// deploy/platform/dashboard.ts) build CloudWatch dashboard widgets with — a metric by namespace, name and
// the exact dimension set its publisher sends (a widget whose dimensions differ by one name shows nothing),
// tiles of the latest value coloured against a target, graphs over time with the target drawn, text and
// alarm-status widgets. Widths are grid units of the dashboard's 24 columns.
// Body format: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html

import { METRICS_NAMESPACE } from '../../shared/contracts.js';
import { metricDimensions, type MetricName, type MetricWhere } from '../../shared/runtime/metric-catalog.js';
import type { BodyWidget, DashboardSection, DashboardWidget } from './contribution.js';

/** One metric as a widget draws it. `dimensions` is the whole set the datapoints carry, in the order written. */
export interface MetricRef {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
  /** Where the metric is published (a widget may read another region's metrics). */
  readonly region: string;
  readonly label: string;
  readonly stat: 'Maximum' | 'Minimum' | 'Sum' | 'Average' | 'p99';
  /** Seconds: a daily metric needs a day, or most periods are empty. */
  readonly period?: number;
}

/**
 * A metric the functions publish (namespace BackupDR) at `where`, with the dimensions its records carry —
 * from the metric catalog (shared/runtime/metric-catalog.ts), like the alarms' and the checklist's.
 */
export function backupDrMetric(name: MetricName, where: MetricWhere, options: Omit<MetricRef, 'namespace' | 'name' | 'dimensions'>): MetricRef {
  return { namespace: METRICS_NAMESPACE, name, dimensions: metricDimensions(name, where), ...options };
}

export type StorageClass = 'STANDARD' | 'STANDARD_IA' | 'GLACIER' | 'DEEP_ARCHIVE';

/** S3's storage classes by the StorageType dimension of its daily storage metrics. */
const STORAGE_TYPE: Readonly<Record<StorageClass, string>> = {
  STANDARD: 'StandardStorage',
  STANDARD_IA: 'StandardIAStorage',
  GLACIER: 'GlacierStorage',
  DEEP_ARCHIVE: 'DeepArchiveStorage',
};

/**
 * A bucket's size in one storage class (AWS/S3 BucketSizeBytes, BucketName and StorageType), or with
 * `storageClass` "objects" its object count (NumberOfObjects, StorageType AllStorageTypes): S3 publishes
 * both once a day, free, in the bucket's region.
 */
export function bucketStorage(bucket: string, region: string, storageClass: StorageClass | 'objects', label: string): MetricRef {
  const objects = storageClass === 'objects';
  return {
    namespace: 'AWS/S3',
    name: objects ? 'NumberOfObjects' : 'BucketSizeBytes',
    dimensions: { BucketName: bucket, StorageType: objects ? 'AllStorageTypes' : STORAGE_TYPE[storageClass] },
    region,
    label,
    stat: 'Average',
    period: 86_400,
  };
}

/** The metrics array entry of the body: [namespace, name, dim, value, …, {rendering options}]. */
export function metricLine(metric: MetricRef, color?: string): unknown[] {
  return [
    metric.namespace,
    metric.name,
    ...Object.entries(metric.dimensions).flat(),
    { region: metric.region, label: metric.label, stat: metric.stat, ...(metric.period === undefined ? {} : { period: metric.period }), ...(color === undefined ? {} : { color }) },
  ];
}

export const RED = '#d62728';
export const GREEN = '#2ca02c';

/** A target as two horizontal annotations: red above it, green below — a tile's number takes their colour. */
export function targetBands(label: string, seconds: number): Record<string, unknown> {
  return {
    horizontal: [
      { label: `${label} ${formatSeconds(seconds)}`, value: seconds, color: RED, fill: 'above' },
      { value: seconds, color: GREEN, fill: 'below' },
    ],
  };
}

/** "900" → "15 min", "21600" → "6 h", "172800" → "2 d". */
export function formatSeconds(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} d`;
  if (seconds % 3_600 === 0) return `${seconds / 3_600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

export interface TileOptions {
  readonly title: string;
  readonly region: string;
  readonly metrics: readonly MetricRef[];
  /** Coloured red above, green below. */
  readonly target?: { readonly label: string; readonly seconds: number };
  readonly width?: number;
  /** Its own time range (ISO 8601 duration before now, "-P35D"): a monthly figure outlives the dashboard's two weeks. */
  readonly start?: string;
}

/** The latest value of each metric, large, with a sparkline of the dashboard's time range. */
export function tile(options: TileOptions): BodyWidget {
  return {
    type: 'metric',
    width: options.width ?? 6,
    height: 4,
    properties: {
      title: options.title,
      view: 'singleValue',
      region: options.region,
      sparkline: true,
      ...(options.start === undefined ? {} : { start: options.start }),
      metrics: options.metrics.map((m) => metricLine(m)),
      ...(options.target === undefined ? {} : { annotations: targetBands(options.target.label, options.target.seconds) }),
    },
  };
}

export interface GraphOptions {
  readonly title: string;
  readonly region: string;
  readonly metrics: readonly MetricRef[];
  /** Lines across the graph (a target, a quota threshold, each resource's window): red fill above. */
  readonly threshold?: { readonly label: string; readonly value: number } | readonly { readonly label: string; readonly value: number }[];
  /** Failures drawn red. */
  readonly red?: readonly string[];
  readonly stacked?: boolean;
  readonly width?: number;
}

/** The metrics over the dashboard's time range. */
export function graph(options: GraphOptions): BodyWidget {
  const red = new Set(options.red ?? []);
  const thresholds = options.threshold === undefined ? [] : 'label' in options.threshold ? [options.threshold] : options.threshold;
  return {
    type: 'metric',
    width: options.width ?? 8,
    height: 6,
    properties: {
      title: options.title,
      view: 'timeSeries',
      stacked: options.stacked ?? false,
      region: options.region,
      metrics: options.metrics.map((m) => metricLine(m, red.has(m.name) ? RED : undefined)),
      yAxis: { left: { min: 0 } },
      ...(thresholds.length === 0 ? {} : { annotations: { horizontal: thresholds.map((t) => ({ label: t.label, value: t.value, color: RED, fill: 'above' })) } }),
    },
  };
}

export function text(markdown: string, width = 24, height = 2): BodyWidget {
  return { type: 'text', width, height, properties: { markdown } };
}

/** A contributed widget in its section and row. */
export function placed(section: DashboardSection, row: string, widget: BodyWidget, resources?: readonly string[]): DashboardWidget {
  return { section, row, widget, ...(resources === undefined ? {} : { resources }) };
}

export const DAY_SECONDS = 86_400;
/** The restore-test tiles' range: a monthly test's last figure stays in view. */
export const RESTORE_TEST_RANGE = '-P35D';
