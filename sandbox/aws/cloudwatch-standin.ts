// A stand-in for CloudWatch metrics, per Region of the calling client: what the functions publish (their
// EMF records, taken in as CloudWatch Logs extracts them: ingestEmf) and GetMetricData to read it back —
// generic, so it answers any namespace, metric and dimension set the records carry.
//
// EMF, as the specification documents it (CloudWatch user guide, "Specification: Embedded metric
// format"): a log line that is one JSON object whose `_aws` holds `Timestamp` (epoch ms) and
// `CloudWatchMetrics`, an array of directives, each with a Namespace, Dimensions (an array of dimension
// sets, each an array of at most 30 keys naming root members whose values are strings; a set may be empty)
// and Metrics (at most 100 definitions: Name, optional Unit — None when absent — and StorageResolution).
// Every dimension set of a directive makes its own metric from every definition; a metric's value is the
// root member of its name, a number or an array of at most 100 numbers (one sample each). A document that
// breaks a rule yields no metric at all (CloudWatch counts it under AWS/Logs EMFValidationErrors): it is
// kept in `rejected()` with the reason. A timestamp more than two weeks old or two hours ahead is skipped
// by CloudWatch, and so here. Standard resolution keeps one-minute timestamps, high resolution seconds.
//
// GetMetricData, as the API reference documents it: at most 500 MetricDataQueries, each an Id (a lowercase
// letter first, then letters, digits, underscores; unique in the request) with a MetricStat — metric
// math, Metrics Insights and cross-account queries are not modelled and say so. A metric is its namespace,
// name and exact set of dimensions: a query naming one dimension more or less than the records carry
// finds nothing. StartTime is inclusive, EndTime exclusive; StartTime is rounded down to the minute (5
// minutes from 15 days back, the hour from 63 days back; to 5, 10, 20 or 30 seconds for those periods),
// and the periods are counted from it: each datapoint is a period's statistic (Sum, Maximum, Minimum,
// Average, SampleCount; the extended statistics are not modelled), timestamped at the period's start;
// a period without samples has no datapoint. Period is 1, 5, 10, 20, 30 or a multiple of 60; from more
// than 3 hours back it must be a multiple of 60 (of 300 from 15 days, of 3600 from 63), or that query
// returns no datapoints. With Unit, only samples published with that unit count. ScanBy
// TimestampDescending (the default) gives the newest first. At most MaxDatapoints (default 100,800)
// values a response, then NextToken, and a query cut by the page is PartialData.

import {
  CloudWatchClient,
  GetMetricDataCommand,
  InvalidNextToken,
  InvalidParameterValueException,
  MissingRequiredParameterException,
  type GetMetricDataCommandInput,
  type GetMetricDataCommandOutput,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** One sample of a metric, as CloudWatch keeps it. */
export interface Sample {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
  /** Epoch ms: to the minute at standard resolution, to the second at high resolution. */
  readonly timestamp: number;
  readonly value: number;
  readonly unit: string;
  readonly storageResolution: 1 | 60;
}

/** A sample and the Region it was published in. */
export interface StoredSample extends Sample {
  readonly region: string;
}

/** An EMF document CloudWatch would not extract metrics from, and why. */
export interface RejectedDocument {
  readonly region: string;
  readonly document: string;
  readonly reason: string;
}

export const STATISTICS = ['Sum', 'Maximum', 'Minimum', 'Average', 'SampleCount'] as const;
type Statistic = (typeof STATISTICS)[number];

const MAX_QUERIES = 500;
const DEFAULT_MAX_DATAPOINTS = 100_800;
const MAX_DIMENSIONS = 30;
const MAX_DEFINITIONS = 100;
const MAX_VALUES = 100;
const SUB_MINUTE_PERIODS = [1, 5, 10, 20, 30];
/** Percentiles, trimmed means, winsorized means, trimmed counts and sums, percentile ranks, IQM. */
const EXTENDED_STATISTIC = /^(p\d|tm|wm|tc|ts|pr|iqm)/i;
const ID = /^[a-z][a-zA-Z0-9_]{0,254}$/;

const metadata = { httpStatusCode: 400 };
const invalid = (message: string) => new InvalidParameterValueException({ message, $metadata: metadata });
const missing = (member: string) => new MissingRequiredParameterException({ message: `The parameter ${member} is required.`, $metadata: metadata });

/** A request the stand-in cannot answer as CloudWatch would: it says so rather than answer wrongly. */
export class NotModelled extends Error {
  constructor(what: string) {
    super(`the CloudWatch stand-in does not model ${what}`);
    this.name = 'NotModelled';
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The identity of a metric: namespace, name and every dimension, whatever order they came in. */
function metricKey(namespace: string, name: string, dimensions: Readonly<Record<string, string>>): string {
  return JSON.stringify([namespace, name, Object.entries(dimensions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
}

function statistic(stat: Statistic, values: readonly number[]): number {
  switch (stat) {
    case 'Sum':
      return values.reduce((a, b) => a + b, 0);
    case 'Maximum':
      return Math.max(...values);
    case 'Minimum':
      return Math.min(...values);
    case 'Average':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'SampleCount':
      return values.length;
  }
}

/** StartTime as CloudWatch rounds it (the GetMetricData API reference, StartTime). */
function roundStart(start: number, period: number, now: number): number {
  const age = now - start;
  const step = [5, 10, 20, 30].includes(period) ? period * 1000 : age > 63 * DAY ? HOUR : age > 15 * DAY ? 5 * MINUTE : MINUTE;
  return Math.floor(start / step) * step;
}

/** Whether a period can be served from that far back (the MetricStat API reference, Period). */
function periodServes(period: number, start: number, now: number): boolean {
  const age = now - start;
  if (age > 63 * DAY) return period % 3600 === 0;
  if (age > 15 * DAY) return period % 300 === 0;
  if (age > 3 * HOUR) return period % 60 === 0;
  return true;
}

interface Validated {
  readonly id: string;
  readonly label: string;
  readonly key: string;
  readonly period: number;
  readonly stat: Statistic;
  readonly unit: string | undefined;
  readonly returnData: boolean;
}

function validateQuery(query: MetricDataQuery, index: number): Validated {
  const at = `MetricDataQueries.member.${index + 1}`;
  if (query.Id === undefined) throw missing(`${at}.Id`);
  if (!ID.test(query.Id)) throw invalid(`The value ${query.Id} for parameter ${at}.Id is not valid: it must start with a lowercase letter and hold only letters, numbers and underscores.`);
  if (query.Expression !== undefined) throw new NotModelled(`metric math or Metrics Insights (${at}.Expression)`);
  if (query.AccountId !== undefined) throw new NotModelled(`cross-account queries (${at}.AccountId)`);
  const stat = query.MetricStat;
  if (stat === undefined) throw missing(`${at}.MetricStat`);
  if (stat.Metric?.Namespace === undefined) throw missing(`${at}.MetricStat.Metric.Namespace`);
  if (stat.Metric.MetricName === undefined) throw missing(`${at}.MetricStat.Metric.MetricName`);
  if (stat.Period === undefined) throw missing(`${at}.MetricStat.Period`);
  if (stat.Stat === undefined) throw missing(`${at}.MetricStat.Stat`);
  const period = stat.Period;
  if (!Number.isInteger(period) || period < 1 || (!SUB_MINUTE_PERIODS.includes(period) && period % 60 !== 0)) {
    throw invalid(`The value ${period} for parameter ${at}.MetricStat.Period is not valid: it must be 1, 5, 10, 20, 30 or a multiple of 60.`);
  }
  if (!(STATISTICS as readonly string[]).includes(stat.Stat)) {
    if (EXTENDED_STATISTIC.test(stat.Stat)) throw new NotModelled(`the extended statistic ${stat.Stat} (${at}.MetricStat.Stat)`);
    throw invalid(`The value ${stat.Stat} for parameter ${at}.MetricStat.Stat is not valid.`);
  }
  const dimensions: Record<string, string> = {};
  for (const [d, dimension] of (stat.Metric.Dimensions ?? []).entries()) {
    if (dimension.Name === undefined) throw missing(`${at}.MetricStat.Metric.Dimensions.member.${d + 1}.Name`);
    if (dimension.Value === undefined) throw missing(`${at}.MetricStat.Metric.Dimensions.member.${d + 1}.Value`);
    if (dimension.Name in dimensions) throw invalid(`The dimension ${dimension.Name} appears twice in ${at}.MetricStat.Metric.Dimensions.`);
    dimensions[dimension.Name] = dimension.Value;
  }
  if (Object.keys(dimensions).length > MAX_DIMENSIONS) throw invalid(`${at}.MetricStat.Metric.Dimensions has more than ${MAX_DIMENSIONS} dimensions.`);
  return {
    id: query.Id,
    label: query.Label ?? stat.Metric.MetricName,
    key: metricKey(stat.Metric.Namespace, stat.Metric.MetricName, dimensions),
    period,
    stat: stat.Stat as Statistic,
    unit: stat.Unit,
    returnData: query.ReturnData ?? true,
  };
}

function readToken(token: string | undefined): number {
  if (token === undefined) return 0;
  try {
    const offset = (JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown }).offset;
    if (typeof offset === 'number' && Number.isInteger(offset) && offset > 0) return offset;
  } catch {
    // Falls through to InvalidNextToken.
  }
  throw new InvalidNextToken({ message: 'The service cannot read the next token.', $metadata: metadata });
}

const writeToken = (offset: number) => Buffer.from(JSON.stringify({ offset })).toString('base64');

export class CloudWatchStandIn {
  readonly #series = new Map<string, Map<string, Sample[]>>();
  readonly #rejected: RejectedDocument[] = [];
  readonly #now: () => number;
  #mock: { restore(): void } | undefined;

  /** `now`: what "two weeks ago" and "15 days back" are measured from (default the real time). */
  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** Stores one sample as CloudWatch holds it, of any age (a test's setup). */
  put(region: string, sample: Omit<Sample, 'unit' | 'storageResolution'> & { unit?: string; storageResolution?: 1 | 60 }): void {
    const resolution = sample.storageResolution ?? 60;
    const step = resolution === 1 ? 1000 : MINUTE;
    const stored: Sample = { ...sample, unit: sample.unit ?? 'None', storageResolution: resolution, timestamp: Math.floor(sample.timestamp / step) * step, dimensions: { ...sample.dimensions } };
    let ofRegion = this.#series.get(region);
    if (ofRegion === undefined) this.#series.set(region, (ofRegion = new Map<string, Sample[]>()));
    const key = metricKey(stored.namespace, stored.name, stored.dimensions);
    ofRegion.set(key, [...(ofRegion.get(key) ?? []), stored]);
  }

  /**
   * One log line of a function in `region`, read as CloudWatch Logs reads an EMF document: its samples
   * stored, or, when it breaks the specification, none and the reason kept. Answers how many were stored.
   */
  ingestEmf(region: string, document: string): number {
    const samples = this.#extract(document);
    if (typeof samples === 'string') {
      this.#rejected.push({ region, document, reason: samples });
      return 0;
    }
    for (const sample of samples) this.put(region, sample);
    return samples.length;
  }

  /** Every sample stored (in one Region, or all), oldest first per metric. */
  samples(region?: string): StoredSample[] {
    const regions = region === undefined ? [...this.#series.keys()] : [region];
    return regions.flatMap((r) => [...(this.#series.get(r)?.values() ?? [])].flatMap((list) => list.map((s) => ({ ...s, region: r }))));
  }

  /** The EMF documents that yielded no metric, with the reason. */
  rejected(): readonly RejectedDocument[] {
    return this.#rejected;
  }

  install(): void {
    const mock = mockClient(CloudWatchClient);
    // One behaviour for every command: GetMetricData answered, anything else refused by name.
    mock.onAnyCommand().callsFake(async (input: GetMetricDataCommandInput, getClient: () => CloudWatchClient) => {
      // The call being made: the fake runs inside `send`, so it is the stub's last call.
      const command: unknown = mock.send.lastCall?.args[0];
      if (!(command instanceof GetMetricDataCommand)) throw new NotModelled(`${typeof command === 'object' && command !== null ? command.constructor.name : 'an unknown command'} (only GetMetricData)`);
      return this.#getMetricData(await getClient().config.region(), input);
    });
    this.#mock = mock;
  }

  restore(): void {
    this.#mock?.restore();
    this.#mock = undefined;
  }

  #extract(document: string): Sample[] | string {
    let root: unknown;
    try {
      root = JSON.parse(document);
    } catch {
      return 'not a JSON object';
    }
    if (!isRecord(root)) return 'not a JSON object';
    const meta = root._aws;
    if (!isRecord(meta)) return '_aws is not an object';
    if (typeof meta.Timestamp !== 'number' || !Number.isInteger(meta.Timestamp)) return '_aws.Timestamp is not an integer (epoch ms)';
    const timestamp = meta.Timestamp;
    const now = this.#now();
    if (timestamp < now - 14 * DAY || timestamp > now + 2 * HOUR) return `_aws.Timestamp ${new Date(timestamp).toISOString()} is more than 14 days past or 2 hours ahead`;
    if (!Array.isArray(meta.CloudWatchMetrics)) return '_aws.CloudWatchMetrics is not an array';
    const samples: Sample[] = [];
    for (const [i, directive] of (meta.CloudWatchMetrics as unknown[]).entries()) {
      const at = `_aws.CloudWatchMetrics[${i}]`;
      if (!isRecord(directive)) return `${at} is not an object`;
      const { Namespace: namespace, Dimensions: sets, Metrics: definitions } = directive;
      if (typeof namespace !== 'string' || namespace.length === 0 || namespace.length > 255) return `${at}.Namespace is not a string of 1 to 255 characters`;
      if (!Array.isArray(sets) || sets.length === 0) return `${at}.Dimensions is not an array of dimension sets`;
      if (!Array.isArray(definitions)) return `${at}.Metrics is not an array`;
      if (definitions.length > MAX_DEFINITIONS) return `${at}.Metrics has more than ${MAX_DEFINITIONS} definitions`;
      const dimensionSets: Record<string, string>[] = [];
      for (const [s, set] of (sets as unknown[]).entries()) {
        if (!Array.isArray(set) || set.some((key) => typeof key !== 'string')) return `${at}.Dimensions[${s}] is not an array of strings`;
        if (set.length > MAX_DIMENSIONS) return `${at}.Dimensions[${s}] has more than ${MAX_DIMENSIONS} dimension keys`;
        const dimensions: Record<string, string> = {};
        for (const key of set as string[]) {
          const value = root[key];
          if (typeof value !== 'string') return `the dimension ${key} of ${at}.Dimensions[${s}] is not a string member of the root`;
          dimensions[key] = value;
        }
        dimensionSets.push(dimensions);
      }
      for (const [m, definition] of (definitions as unknown[]).entries()) {
        if (!isRecord(definition) || typeof definition.Name !== 'string' || definition.Name.length === 0) return `${at}.Metrics[${m}].Name is not a string`;
        const name = definition.Name;
        const unit = definition.Unit === undefined ? 'None' : definition.Unit;
        if (typeof unit !== 'string') return `${at}.Metrics[${m}].Unit is not a string`;
        const resolution = definition.StorageResolution === undefined ? 60 : definition.StorageResolution;
        if (resolution !== 1 && resolution !== 60) return `${at}.Metrics[${m}].StorageResolution is not 1 or 60`;
        const target = root[name];
        const values = Array.isArray(target) ? (target as unknown[]) : [target];
        if (values.length === 0 || values.length > MAX_VALUES || values.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
          return `the metric ${name} is not a number or an array of 1 to ${MAX_VALUES} numbers on the root`;
        }
        for (const dimensions of dimensionSets) for (const value of values as number[]) samples.push({ namespace, name, dimensions, timestamp, value, unit, storageResolution: resolution });
      }
    }
    return samples;
  }

  #getMetricData(region: string, input: GetMetricDataCommandInput): GetMetricDataCommandOutput {
    if (input.MetricDataQueries === undefined) throw missing('MetricDataQueries');
    if (input.StartTime === undefined) throw missing('StartTime');
    if (input.EndTime === undefined) throw missing('EndTime');
    const queries = input.MetricDataQueries;
    if (queries.length === 0 || queries.length > MAX_QUERIES) throw invalid(`MetricDataQueries must hold 1 to ${MAX_QUERIES} queries, not ${queries.length}.`);
    const start = new Date(input.StartTime).getTime();
    const end = new Date(input.EndTime).getTime();
    if (!(start < end)) throw invalid('The parameter StartTime must be less than the parameter EndTime.');
    const scanBy = input.ScanBy ?? 'TimestampDescending';
    if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending') throw invalid(`The value ${String(scanBy)} for parameter ScanBy is not valid.`);
    const maxDatapoints = input.MaxDatapoints ?? DEFAULT_MAX_DATAPOINTS;
    if (!Number.isInteger(maxDatapoints) || maxDatapoints < 1) throw invalid(`The value ${maxDatapoints} for parameter MaxDatapoints is not valid.`);
    const validated = queries.map(validateQuery);
    const ids = new Set<string>();
    for (const q of validated) {
      if (ids.has(q.id)) throw invalid(`The Id ${q.id} is used by more than one of MetricDataQueries.`);
      ids.add(q.id);
    }
    const offset = readToken(input.NextToken);
    const now = this.#now();
    const ofRegion = this.#series.get(region);

    // Every datapoint of every query, in order: the page is a window over them.
    const answers = validated
      .filter((q) => q.returnData)
      .map((q) => {
        const from = roundStart(start, q.period, now);
        const periodMs = q.period * 1000;
        const buckets = new Map<number, number[]>();
        if (periodServes(q.period, from, now)) {
          for (const sample of ofRegion?.get(q.key) ?? []) {
            if (sample.timestamp < from || sample.timestamp >= end) continue;
            if (q.unit !== undefined && sample.unit !== q.unit) continue;
            const bucket = from + Math.floor((sample.timestamp - from) / periodMs) * periodMs;
            buckets.set(bucket, [...(buckets.get(bucket) ?? []), sample.value]);
          }
        }
        const points = [...buckets.entries()].map(([at, values]) => ({ at, value: statistic(q.stat, values) })).sort((a, b) => (scanBy === 'TimestampAscending' ? a.at - b.at : b.at - a.at));
        return { query: q, points };
      });
    const total = answers.reduce((n, a) => n + a.points.length, 0);
    if (offset > 0 && offset >= total) throw new InvalidNextToken({ message: 'The next token is past the last datapoint.', $metadata: metadata });
    const pageEnd = offset + maxDatapoints;
    let seen = 0;
    const results: MetricDataResult[] = answers.map(({ query, points }) => {
      const first = seen;
      seen += points.length;
      const page = points.slice(Math.max(0, offset - first), Math.max(0, pageEnd - first));
      return {
        Id: query.id,
        Label: query.label,
        Timestamps: page.map((p) => new Date(p.at)),
        Values: page.map((p) => p.value),
        StatusCode: points.length > 0 && first + points.length > pageEnd ? 'PartialData' : 'Complete',
        Messages: [],
      };
    });
    return { MetricDataResults: results, Messages: [], ...(pageEnd < total ? { NextToken: writeToken(pageEnd) } : {}), $metadata: { httpStatusCode: 200 } };
  }
}
