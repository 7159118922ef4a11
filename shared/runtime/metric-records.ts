// EMF records of the metrics in the catalog (metric-catalog.ts: unit, scope, dimensions), made through a
// recorder of one component, so that no record can lack its component, region or — per resource — its
// resource: the recorder's methods take them, the catalog turns them into the dimension set the alarms,
// the dashboard and the checklist name, and the types refuse a metric of another component or scope.
// Powertools' singleMetric() publishes on every addMetric and then clears its dimensions, so a second
// metric added to the same single metric goes out with `service` alone: each figure is its own record.

import type { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { RunFailed } from '../errors.js';
import { METRICS, metricDimensions, type MetricComponent, type MetricName, type MetricOf, type MetricWhere } from './metric-catalog.js';

/** A figure: the metric and its value; null (not measured) is left out. */
export type Figure<N extends MetricName> = readonly [name: N, value: number | null];

type Failure = RunFailed['failures'][number];
type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];
/** The catalog's units are CloudWatch's, as Powertools names them (a unit it does not know fails to compile here). */
const unitOf = (name: MetricName): Unit => METRICS[name].unit satisfies Unit;

export interface MetricRecorder<C extends MetricComponent> {
  readonly component: C;
  /** Figures of one resource of the policy, of what is in `region`. */
  resource(resource: string, region: string, figures: readonly Figure<MetricOf<C, 'resource'>>[]): void;
  /** Figures of one restore (or restore test) of a resource, of `kind`, in `region`. */
  restore(resource: string, region: string, kind: string, figures: readonly Figure<MetricOf<C, 'restore'>>[]): void;
  /** Figures of a run as a whole, in `region`. */
  run(region: string, figures: readonly Figure<MetricOf<C, 'run'>>[]): void;
  /** Per resource of `resources`, how many of `hits` name it (0 included: a figure, not a silence). */
  tally(metric: MetricOf<C, 'resource'>, region: string, resources: readonly string[], hits: readonly string[]): void;
  /** One record of `metric` = 1 per distinct resource a RunFailed names (those `which` keeps); nothing for any other error. */
  failures(metric: MetricOf<C, 'resource'>, error: unknown, region: string, which?: (failure: Failure) => boolean): void;
}

/** Each figure as its own EMF record with every dimension of `where` (Powertools adds `service`). */
function recordMetrics(metrics: Metrics, where: MetricWhere, figures: readonly Figure<MetricName>[]): void {
  for (const [name, value] of figures) {
    if (value === null) continue;
    const { service: _service, ...dimensions } = metricDimensions(name, where);
    const record = metrics.singleMetric();
    for (const [dimension, dimensionValue] of Object.entries(dimensions)) record.addDimension(dimension, dimensionValue);
    record.addMetric(name, unitOf(name), value);
  }
}

/** The recorder of component C's figures. */
export function metricRecorder<C extends MetricComponent>(metrics: Metrics, component: C): MetricRecorder<C> {
  const resource = (name: string, region: string, figures: readonly Figure<MetricName>[]) => recordMetrics(metrics, { component, resource: name, region }, figures);
  return {
    component,
    resource,
    restore: (name, region, kind, figures) => recordMetrics(metrics, { component, resource: name, region, kind }, figures),
    run: (region, figures) => recordMetrics(metrics, { component, region }, figures),
    tally: (metric, region, resources, hits) => {
      for (const name of new Set(resources)) resource(name, region, [[metric, hits.filter((hit) => hit === name).length]]);
    },
    failures: (metric, error, region, which = () => true) => {
      if (!(error instanceof RunFailed)) return;
      for (const name of new Set(error.failures.filter(which).map((failure) => failure.resource))) resource(name, region, [[metric, 1]]);
    },
  };
}
