// EMF records that carry their dimensions, for the alarms and the dashboard (namespace BackupDR; Powertools
// adds `service` to each). Powertools' singleMetric() publishes on every addMetric and then clears its
// dimensions, so a second metric added to the same single metric goes out with `service` alone — an
// alarm on (service, resource) never sees it. `recordMetrics` therefore writes one record per figure, each
// with every dimension. `recordResourceFailures` turns the resources a RunFailed names into one failure
// record each (dimensions resource and region): what the per-resource failure alarms watch.

import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { RunFailed } from '../errors.js';

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** A figure of a record: its metric name, unit and value; null (not measured) is left out. */
export type Figure = readonly [name: string, unit: Unit, value: number | null];

/** Each figure as its own EMF record with all of `dimensions`. */
export function recordMetrics(metrics: Metrics, dimensions: Readonly<Record<string, string>>, figures: readonly Figure[]): void {
  for (const [name, unit, value] of figures) {
    if (value === null) continue;
    const record = metrics.singleMetric();
    for (const [dimension, dimensionValue] of Object.entries(dimensions)) record.addDimension(dimension, dimensionValue);
    record.addMetric(name, unit, value);
  }
}

/** One record of `metric` = 1 per distinct resource a RunFailed names; nothing for any other error. */
export function recordResourceFailures(metrics: Metrics, metric: string, error: unknown, region: string): void {
  if (!(error instanceof RunFailed)) return;
  for (const resource of new Set(error.failures.map((failure) => failure.resource))) {
    recordMetrics(metrics, { resource, region }, [[metric, MetricUnit.Count, 1]]);
  }
}
