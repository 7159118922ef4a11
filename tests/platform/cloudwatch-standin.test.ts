// The CloudWatch stand-in the drill's daily checklist reads, held to the semantics it models: EMF records
// taken off a function's standard output as CloudWatch Logs takes them (the real Powertools Metrics
// writing them; a document that breaks the specification yields nothing, with the reason), and
// GetMetricData — a metric is its namespace, name and exact dimension set; periods counted from the
// rounded StartTime (inclusive) to EndTime (exclusive); Sum, Maximum, Minimum, Average, SampleCount;
// newest or oldest first; MaxDatapoints pages with NextToken; the errors CloudWatch answers bad input
// with — and the checklist's own reader on it.

import { CloudWatchClient, GetMetricDataCommand, ListMetricsCommand, type GetMetricDataCommandInput, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { planFigures, readMetrics } from '../../functions/platform/daily-checklist/figures.js';
import { CloudWatchStandIn } from '../../sandbox/aws/cloudwatch-standin.js';
import { interceptEmf, isEmfLine } from '../../sandbox/aws/emf-stdout.js';
import { METRICS_NAMESPACE, SERVICE } from '../../shared/contracts.js';
import { teamPolicy } from '../helpers/runtime.js';

const TOKYO = 'ap-northeast-1';
const SINGAPORE = 'ap-southeast-1';
const NOW = Date.parse('2026-12-03T10:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const errorOf = (promise: Promise<unknown>) => promise.then(() => null, (e: unknown) => e as Error);

/** One query of `name` with exactly `dimensions`. */
const query = (id: string, name: string, dimensions: Record<string, string>, stat: string, period = 3600, extra: Partial<MetricDataQuery> = {}): MetricDataQuery => ({
  Id: id,
  MetricStat: { Metric: { Namespace: METRICS_NAMESPACE, MetricName: name, Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })) }, Period: period, Stat: stat },
  ...extra,
});

describe('CloudWatchStandIn', () => {
  let cloudwatch = new CloudWatchStandIn({ now: () => NOW });
  const tokyo = new CloudWatchClient({ region: TOKYO });
  const singapore = new CloudWatchClient({ region: SINGAPORE });
  const get = (input: Partial<GetMetricDataCommandInput>, client = tokyo) =>
    client.send(new GetMetricDataCommand({ StartTime: new Date(NOW - 24 * HOUR), EndTime: new Date(NOW), MetricDataQueries: [], ...input }));
  const put = (name: string, dimensions: Record<string, string>, timestamp: number, value: number, region = TOKYO, unit = 'Count') =>
    cloudwatch.put(region, { namespace: METRICS_NAMESPACE, name, dimensions, timestamp, value, unit });
  beforeEach(() => {
    cloudwatch = new CloudWatchStandIn({ now: () => NOW });
    cloudwatch.install();
  });
  afterEach(() => cloudwatch.restore());

  describe('EMF records, as CloudWatch Logs extracts them', () => {
    const saved = process.env.POWERTOOLS_METRICS_DISABLED;
    afterEach(() => {
      if (saved === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
      else process.env.POWERTOOLS_METRICS_DISABLED = saved;
    });

    it('takes the records Powertools Metrics writes to stdout — single metrics and a buffered flush with repeated values — and leaves every other line on the stream', () => {
      process.env.POWERTOOLS_METRICS_DISABLED = 'false';
      // Powertools stamps each record with the wall clock: pinned to the stand-in's, so the test holds on any day.
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(NOW);
      onTestFinished(() => void vi.useRealTimers());
      const written: string[] = [];
      const stream = { write: ((chunk: string) => (written.push(chunk), true)) as NodeJS.WriteStream['write'] };
      const seen: string[] = [];
      const capture = interceptEmf(process.stdout, (line) => seen.push(line));
      interceptEmf(stream, (line) => cloudwatch.ingestEmf(TOKYO, line));
      try {
        const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE });
        const single = metrics.singleMetric();
        single.addDimension('resource', 'app-db');
        single.addDimension('kind', 'snapshot');
        single.addMetric('RestoreTestPassed', MetricUnit.Count, 1);
        metrics.addMetric('CopiesStarted', MetricUnit.Count, 2);
        metrics.addMetric('CopiesStarted', MetricUnit.Count, 3);
        metrics.publishStoredMetrics();
      } finally {
        capture.restore();
      }
      // What Powertools wrote to the process's stdout, replayed as the log lines of a function in Tokyo.
      expect(seen).toHaveLength(2);
      for (const line of seen) stream.write(`${line}\n`);
      stream.write('a plain log line\n');
      expect(written).toEqual(['a plain log line\n']);
      expect(cloudwatch.rejected()).toEqual([]);
      const samples = cloudwatch.samples(TOKYO).map(({ name, dimensions, value, unit, timestamp }) => ({ name, dimensions, value, unit, timestamp: timestamp % MINUTE }));
      expect(samples).toEqual([
        { name: 'RestoreTestPassed', dimensions: { service: SERVICE, resource: 'app-db', kind: 'snapshot' }, value: 1, unit: 'Count', timestamp: 0 },
        { name: 'CopiesStarted', dimensions: { service: SERVICE }, value: 2, unit: 'Count', timestamp: 0 },
        { name: 'CopiesStarted', dimensions: { service: SERVICE }, value: 3, unit: 'Count', timestamp: 0 },
      ]);
      expect(cloudwatch.samples(SINGAPORE)).toEqual([]);
    });

    it('makes a metric of every dimension set of a directive, and keeps the unit (None when absent) and high resolution to the second', () => {
      const at = NOW - 90_500;
      const line = JSON.stringify({
        _aws: { Timestamp: at, CloudWatchMetrics: [{ Namespace: METRICS_NAMESPACE, Dimensions: [['resource'], ['resource', 'region'], []], Metrics: [{ Name: 'Lag', Unit: 'Seconds', StorageResolution: 1 }, { Name: 'Plain' }] }] },
        resource: 'app-db',
        region: TOKYO,
        Lag: 42,
        Plain: 7,
        note: 'ignored',
      });
      expect(isEmfLine(line)).toBe(true);
      expect(cloudwatch.ingestEmf(TOKYO, line)).toBe(6);
      const samples = cloudwatch.samples(TOKYO);
      expect(samples.filter((s) => s.name === 'Lag').map((s) => s.dimensions)).toEqual([{ resource: 'app-db' }, { resource: 'app-db', region: TOKYO }, {}]);
      expect(samples.find((s) => s.name === 'Lag')).toMatchObject({ unit: 'Seconds', storageResolution: 1, timestamp: Math.floor(at / 1000) * 1000 });
      expect(samples.find((s) => s.name === 'Plain')).toMatchObject({ unit: 'None', storageResolution: 60, timestamp: Math.floor(at / MINUTE) * MINUTE });
    });

    it.each([
      { why: 'no Timestamp', doc: { _aws: { CloudWatchMetrics: [] } }, reason: /_aws\.Timestamp is not an integer/ },
      { why: 'a dimension that is not a string', doc: { _aws: { Timestamp: NOW, CloudWatchMetrics: [{ Namespace: 'N', Dimensions: [['resource']], Metrics: [{ Name: 'M' }] }] }, resource: 3, M: 1 }, reason: /the dimension resource .* is not a string member/ },
      { why: 'a missing dimension', doc: { _aws: { Timestamp: NOW, CloudWatchMetrics: [{ Namespace: 'N', Dimensions: [['resource']], Metrics: [{ Name: 'M' }] }] }, M: 1 }, reason: /the dimension resource/ },
      { why: 'a value that is not a number', doc: { _aws: { Timestamp: NOW, CloudWatchMetrics: [{ Namespace: 'N', Dimensions: [[]], Metrics: [{ Name: 'M' }] }] }, M: '1' }, reason: /the metric M is not a number/ },
      { why: 'more than 100 values', doc: { _aws: { Timestamp: NOW, CloudWatchMetrics: [{ Namespace: 'N', Dimensions: [[]], Metrics: [{ Name: 'M' }] }] }, M: Array.from({ length: 101 }, () => 1) }, reason: /array of 1 to 100 numbers/ },
      { why: 'more than 30 dimensions', doc: { _aws: { Timestamp: NOW, CloudWatchMetrics: [{ Namespace: 'N', Dimensions: [Array.from({ length: 31 }, (_, i) => `d${i}`)], Metrics: [{ Name: 'M' }] }] }, M: 1, ...Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`d${i}`, 'x'])) }, reason: /more than 30 dimension keys/ },
      { why: 'no dimension set', doc: { _aws: { Timestamp: NOW, CloudWatchMetrics: [{ Namespace: 'N', Dimensions: [], Metrics: [{ Name: 'M' }] }] }, M: 1 }, reason: /Dimensions is not an array of dimension sets/ },
      { why: 'a timestamp 15 days old', doc: { _aws: { Timestamp: NOW - 15 * 24 * HOUR, CloudWatchMetrics: [{ Namespace: 'N', Dimensions: [[]], Metrics: [{ Name: 'M' }] }] }, M: 1 }, reason: /more than 14 days past or 2 hours ahead/ },
      { why: 'a timestamp 3 hours ahead', doc: { _aws: { Timestamp: NOW + 3 * HOUR, CloudWatchMetrics: [{ Namespace: 'N', Dimensions: [[]], Metrics: [{ Name: 'M' }] }] }, M: 1 }, reason: /more than 14 days past or 2 hours ahead/ },
    ])('extracts nothing from a document with $why, and says why', ({ doc, reason }) => {
      const line = JSON.stringify(doc);
      expect(cloudwatch.ingestEmf(TOKYO, line)).toBe(0);
      expect(cloudwatch.samples()).toEqual([]);
      expect(cloudwatch.rejected().at(-1)).toMatchObject({ region: TOKYO, document: line, reason: expect.stringMatching(reason) });
    });

    it('reads as EMF only a JSON object with _aws', () => {
      expect(isEmfLine('{"_aws":{}}')).toBe(true);
      expect(isEmfLine('{"message":"a log line mentioning \\"_aws\\""}')).toBe(false);
      expect(isEmfLine('2026-12-03 {"_aws":{}}')).toBe(false);
      expect(isEmfLine('{"_aws": broken')).toBe(false);
    });
  });

  describe('GetMetricData', () => {
    const dims = { service: SERVICE, resource: 'app-db' };

    it('matches a metric by its exact dimension set, in any order, in the caller\'s Region and namespace only', async () => {
      put('SnapshotFailures', { service: SERVICE, resource: 'app-db', region: TOKYO }, NOW - HOUR, 1);
      put('SnapshotFailures', dims, NOW - HOUR, 5);
      put('SnapshotFailures', dims, NOW - HOUR, 100, SINGAPORE);
      cloudwatch.put(TOKYO, { namespace: 'Other', name: 'SnapshotFailures', dimensions: dims, timestamp: NOW - HOUR, value: 1000 });
      const answer = await get({
        MetricDataQueries: [
          query('exact', 'SnapshotFailures', { resource: 'app-db', service: SERVICE }, 'Sum'),
          query('three', 'SnapshotFailures', { region: TOKYO, resource: 'app-db', service: SERVICE }, 'Sum'),
          query('fewer', 'SnapshotFailures', { resource: 'app-db' }, 'Sum'),
          query('more', 'SnapshotFailures', { ...dims, region: TOKYO, component: 'rds' }, 'Sum'),
          query('value', 'SnapshotFailures', { service: SERVICE, resource: 'APP-DB' }, 'Sum'),
        ],
      });
      expect(answer.MetricDataResults?.map((r) => [r.Id, r.Values])).toEqual([
        ['exact', [5]],
        ['three', [1]],
        ['fewer', []],
        ['more', []],
        ['value', []],
      ]);
      expect(answer.MetricDataResults?.[0]).toMatchObject({ Label: 'SnapshotFailures', StatusCode: 'Complete', Timestamps: [new Date(NOW - HOUR)] });
      expect((await get({ MetricDataQueries: [query('exact', 'SnapshotFailures', dims, 'Sum')] }, singapore)).MetricDataResults?.[0]?.Values).toEqual([100]);
    });

    it('counts periods from StartTime rounded down to the minute (inclusive) to EndTime (exclusive), each datapoint at its period\'s start; a period without samples has none', async () => {
      const start = Date.parse('2026-12-03T00:00:30Z');
      for (const [at, value] of [
        [Date.parse('2026-12-03T00:00:00Z'), 1], // in the first period: StartTime is rounded down to 00:00
        [Date.parse('2026-12-03T00:59:00Z'), 2],
        [Date.parse('2026-12-03T01:00:00Z'), 4],
        [Date.parse('2026-12-03T03:30:00Z'), 8],
        [Date.parse('2026-12-03T04:00:00Z'), 16], // at EndTime: excluded
        [Date.parse('2026-12-02T23:59:00Z'), 32], // before StartTime
      ] as const) put('ExportsVerified', dims, at, value);
      const answer = await get({ StartTime: new Date(start), EndTime: new Date('2026-12-03T04:00:00Z'), ScanBy: 'TimestampAscending', MetricDataQueries: [query('m0', 'ExportsVerified', dims, 'Sum')] });
      const result = answer.MetricDataResults?.[0];
      expect(result?.Timestamps?.map((t) => t.toISOString())).toEqual(['2026-12-03T00:00:00.000Z', '2026-12-03T01:00:00.000Z', '2026-12-03T03:00:00.000Z']);
      expect(result?.Values).toEqual([3, 4, 8]);
      // Periods count from the rounded StartTime, not from the clock's hours.
      const shifted = await get({ StartTime: new Date('2026-12-03T00:30:00Z'), EndTime: new Date('2026-12-03T04:00:00Z'), ScanBy: 'TimestampAscending', MetricDataQueries: [query('m0', 'ExportsVerified', dims, 'Sum')] });
      expect(shifted.MetricDataResults?.[0]?.Timestamps?.map((t) => t.toISOString())).toEqual(['2026-12-03T00:30:00.000Z', '2026-12-03T03:30:00.000Z']);
      expect(shifted.MetricDataResults?.[0]?.Values).toEqual([6, 8]);
    });

    it.each([
      { stat: 'Sum', expected: [10, 7] },
      { stat: 'Maximum', expected: [4, 7] },
      { stat: 'Minimum', expected: [1, 7] },
      { stat: 'Average', expected: [2.5, 7] },
      { stat: 'SampleCount', expected: [4, 1] },
    ])('gives the $stat of each period', async ({ stat, expected }) => {
      for (const [minute, value] of [[1, 3], [2, 1], [3, 4], [4, 2], [70, 7]] as const) put('RestoreRtoSeconds', dims, NOW - 3 * HOUR + minute * MINUTE, value);
      const answer = await get({ MetricDataQueries: [query('m0', 'RestoreRtoSeconds', dims, stat)] });
      expect(answer.MetricDataResults?.[0]?.Values).toEqual([...expected].reverse());
    });

    it('gives the newest datapoint first by default, the oldest first with TimestampAscending', async () => {
      for (let h = 1; h <= 3; h += 1) put('PitrLagPrimarySeconds', dims, NOW - h * HOUR, h * 100);
      const newest = await get({ MetricDataQueries: [query('m0', 'PitrLagPrimarySeconds', dims, 'Maximum')] });
      expect(newest.MetricDataResults?.[0]?.Values).toEqual([100, 200, 300]);
      expect(newest.MetricDataResults?.[0]?.Timestamps).toEqual([new Date(NOW - HOUR), new Date(NOW - 2 * HOUR), new Date(NOW - 3 * HOUR)]);
      const oldest = await get({ ScanBy: 'TimestampAscending', MetricDataQueries: [query('m0', 'PitrLagPrimarySeconds', dims, 'Maximum')] });
      expect(oldest.MetricDataResults?.[0]?.Values).toEqual([300, 200, 100]);
    });

    it('counts only the samples of the Unit asked for, when one is', async () => {
      put('Size', dims, NOW - HOUR, 5, TOKYO, 'Bytes');
      put('Size', dims, NOW - HOUR, 7, TOKYO, 'Count');
      const answer = await get({
        MetricDataQueries: [query('any', 'Size', dims, 'Sum'), { ...query('bytes', 'Size', dims, 'Sum'), MetricStat: { ...query('bytes', 'Size', dims, 'Sum').MetricStat!, Unit: 'Bytes' } }],
      });
      expect(answer.MetricDataResults?.map((r) => r.Values)).toEqual([[12], [5]]);
    });

    it('pages at MaxDatapoints with NextToken, marking a query cut by the page PartialData', async () => {
      for (let h = 1; h <= 3; h += 1) put('A', dims, NOW - h * HOUR, h);
      for (let h = 1; h <= 2; h += 1) put('B', dims, NOW - h * HOUR, 10 * h);
      const queries = [query('a', 'A', dims, 'Sum'), query('b', 'B', dims, 'Sum'), query('c', 'C', dims, 'Sum')];
      const pages = [];
      let token: string | undefined;
      do {
        const page = await get({ MetricDataQueries: queries, MaxDatapoints: 2, ...(token === undefined ? {} : { NextToken: token }) });
        pages.push(page.MetricDataResults?.map((r) => [r.Id, r.Values, r.StatusCode]));
        token = page.NextToken;
      } while (token !== undefined);
      expect(pages).toEqual([
        [['a', [1, 2], 'PartialData'], ['b', [], 'PartialData'], ['c', [], 'Complete']],
        [['a', [3], 'Complete'], ['b', [10], 'PartialData'], ['c', [], 'Complete']],
        [['a', [], 'Complete'], ['b', [20], 'Complete'], ['c', [], 'Complete']],
      ]);
      expect((await errorOf(get({ MetricDataQueries: queries, NextToken: 'not-a-token' })))?.name).toBe('InvalidNextToken');
    });

    it('returns no datapoint for a period too fine for how far back StartTime lies, and rounds such a StartTime to 5 minutes', async () => {
      const start = NOW - 20 * 24 * HOUR + 2 * MINUTE;
      put('Old', dims, NOW - 20 * 24 * HOUR, 1);
      const fine = await get({ StartTime: new Date(start), MetricDataQueries: [query('m0', 'Old', dims, 'Sum', 60)] });
      expect(fine.MetricDataResults?.[0]?.Values).toEqual([]);
      const coarse = await get({ StartTime: new Date(start), ScanBy: 'TimestampAscending', MetricDataQueries: [query('m0', 'Old', dims, 'Sum', 300)] });
      expect(coarse.MetricDataResults?.[0]?.Timestamps).toEqual([new Date(NOW - 20 * 24 * HOUR)]);
    });

    it.each([
      { why: 'a repeated Id', input: { MetricDataQueries: [query('m0', 'A', dims, 'Sum'), query('m0', 'B', dims, 'Sum')] }, error: 'InvalidParameterValueException', message: /Id m0 is used by more than one/ },
      { why: 'an Id that starts with a capital', input: { MetricDataQueries: [query('M0', 'A', dims, 'Sum')] }, error: 'InvalidParameterValueException', message: /MetricDataQueries\.member\.1\.Id/ },
      { why: 'a Period that is not a multiple of 60', input: { MetricDataQueries: [query('m0', 'A', dims, 'Sum', 90)] }, error: 'InvalidParameterValueException', message: /Period is not valid/ },
      { why: 'an unknown statistic', input: { MetricDataQueries: [query('m0', 'A', dims, 'Max')] }, error: 'InvalidParameterValueException', message: /Max for parameter MetricDataQueries\.member\.1\.MetricStat\.Stat/ },
      { why: 'StartTime at EndTime', input: { StartTime: new Date(NOW), EndTime: new Date(NOW), MetricDataQueries: [query('m0', 'A', dims, 'Sum')] }, error: 'InvalidParameterValueException', message: /StartTime must be less than/ },
      { why: '501 queries', input: { MetricDataQueries: Array.from({ length: 501 }, (_, i) => query(`m${i}`, 'A', dims, 'Sum')) }, error: 'InvalidParameterValueException', message: /1 to 500 queries/ },
      { why: 'a query without MetricStat', input: { MetricDataQueries: [{ Id: 'm0' }] }, error: 'MissingRequiredParameterException', message: /MetricDataQueries\.member\.1\.MetricStat/ },
      { why: 'an extended statistic', input: { MetricDataQueries: [query('m0', 'A', dims, 'p99')] }, error: 'NotModelled', message: /extended statistic p99/ },
      { why: 'metric math', input: { MetricDataQueries: [{ Id: 'm0', Expression: 'SUM(METRICS())' }] }, error: 'NotModelled', message: /metric math/ },
    ])('refuses $why', async ({ input, error, message }) => {
      const refused = await errorOf(get(input));
      expect(refused?.name).toBe(error);
      expect(refused?.message).toMatch(message);
    });

    it('refuses any other CloudWatch command by name', async () => {
      const refused = await errorOf(tokyo.send(new ListMetricsCommand({})));
      expect(refused?.message).toBe('the CloudWatch stand-in does not model ListMetricsCommand (only GetMetricData)');
    });
  });

  it('answers the daily checklist\'s own reader: per figure the latest, the worst and the earliest hourly value, and the sum', async () => {
    const policy = teamPolicy();
    const { queries } = planFigures(policy, { primary: TOKYO, secondary: SINGAPORE });
    const lag = queries.find((q) => q.name === 'PitrLagPrimarySeconds')!;
    const passed = queries.find((q) => q.name === 'RestoreTestPassed' && q.dimensions.kind === 'snapshot')!;
    for (const [hoursAgo, seconds] of [[20, 300], [10, 900], [1, 120]] as const) put(lag.name, lag.dimensions, NOW - hoursAgo * HOUR + 5 * MINUTE, seconds, lag.region, 'Seconds');
    put(passed.name, passed.dimensions, NOW - 3 * HOUR, 1, passed.region);
    put(passed.name, passed.dimensions, NOW - 2 * HOUR, 1, passed.region);
    const read = await readMetrics(queries, 'daily', NOW + 1_234, (region) => new CloudWatchClient({ region }));
    expect(read.values.get(lag.id)).toEqual({ latest: 120, worst: 900, earliest: 300 });
    expect(read.sums.get(passed.id)).toBe(2);
    expect(read.values.size).toBe(2);
  });
});
