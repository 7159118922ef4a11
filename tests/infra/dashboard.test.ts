// The dashboard of each region (deploy/platform/dashboard.ts and deploy/components/<c>/dashboard.ts)
// generated from a policy with several databases, caches, buckets and configurations: one live-RPO tile
// per resource in the top row with its target, the restore tests' RTO against target, each widget's
// metrics with exactly the dimensions their publisher sends (the metric catalog's for ours — every line
// held to it in metric-dimensions.test.ts —, the template's replication rules, the deployed functions and
// state machines), the backup duration against each resource's window, the layout on the 24-column
// grid without overlap, every alarm of the stack, and the Fn::Sub around the body. The packaged
// templates of both regions are checked in template.test.ts ("the dashboard, packaged").
import { describe, expect, it } from 'vitest';
import { buildDeployment, CONTRIBUTIONS } from '../../deploy/assemble.js';
import { PackagingError } from '../../deploy/core/cloudformation.js';
import type { Deployment } from '../../deploy/core/contribution.js';
import { DASHBOARD_ID, GRID_COLUMNS, layOut, subTemplate } from '../../deploy/platform/dashboard.js';
import { listResources } from '../../shared/policy/resources.js';
import { dimensionNames, isMetricName, type MetricName } from '../../shared/runtime/metric-catalog.js';
import type { Policy } from '../../shared/policy/schema.js';
import { deployIn, policyWith } from './deployments.js';

const ACCOUNT = '123456789012';

/** Three databases (one without restore tests or replicated backups), two caches, two buckets (one another stack owns), two configurations. */
function everyKind(): Policy {
  return policyWith((doc) => {
    const [db] = doc.resources.databases;
    doc.resources.databases.push(
      { ...structuredClone(db), name: 'billing-db', instanceId: 'billing-db-prod', objectives: { rpo: '5min', rto: '1h' }, backupWindow: '45min' },
      { ...structuredClone(db), name: 'audit-db', instanceId: 'audit-db-prod', restoreTest: undefined, pitrTest: undefined, automatedBackups: { retentionDays: 7, replicateToSecondary: false, enforce: false } },
    );
    const [cache] = doc.resources.caches;
    doc.resources.caches.push({ ...structuredClone(cache), name: 'session-redis', replicationGroupId: 'session-redis-prod', restoreTest: undefined });
    doc.resources.buckets.push({ name: 'docs', bucket: 'app-docs-prod', replicaBucket: 'app-docs-replica-apse1', versioning: true, managed: false });
    doc.resources.configuration.push({ name: 'billing-config', ssmParameterPaths: ['/billing/prod/'], secrets: ['billing/prod/'], schedule: 'cron(0 3 * * ? *)', retention: doc.resources.configuration[0].retention });
  });
}

interface Widget {
  type: 'metric' | 'text' | 'alarm';
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, any>;
}

/** The body as CloudWatch receives it: Fn::Sub resolved with a made-up account and alarm ARNs. */
function bodyOf(d: Deployment): { widgets: Widget[]; start: string; variables: Record<string, unknown> } {
  const props = d.resources.Resources[DASHBOARD_ID]!.Properties as { DashboardBody: { 'Fn::Sub': [string, Record<string, unknown>] } };
  const [template, variables] = props.DashboardBody['Fn::Sub'];
  const resolved = template.replace(/\$\{([^}]*)\}/g, (_m, name: string) => {
    if (name === 'AWS::AccountId') return ACCOUNT;
    if (name === 'AWS::Partition') return 'aws';
    if (name.startsWith('!')) return `\${${name.slice(1)}}`;
    if (name in variables) return `arn:aws:cloudwatch:${d.region}:${ACCOUNT}:alarm:${name}`;
    throw new Error(`Fn::Sub would fail on \${${name}}`);
  });
  return { ...(JSON.parse(resolved) as { widgets: Widget[]; start: string }), variables };
}

type Line = { namespace: string; name: string; dimensions: Record<string, string>; options: Record<string, any> };

function linesOf(widget: Widget): Line[] {
  return ((widget.properties.metrics ?? []) as unknown[][]).map((entry) => {
    const options = entry.at(-1) as Record<string, any>;
    const flat = entry.slice(2, -1) as string[];
    const dimensions: Record<string, string> = {};
    for (let i = 0; i < flat.length; i += 2) dimensions[flat[i]!] = flat[i + 1]!;
    return { namespace: entry[0] as string, name: entry[1] as string, dimensions, options };
  });
}

const headingsOf = (widgets: Widget[]) => widgets.filter((w) => w.type === 'text' && w.height === 1).map((w) => ({ y: w.y, title: String(w.properties.markdown).replace(/^## /, '') }));

/** The widgets between a heading and the next one. */
function rowOf(widgets: Widget[], startsWith: string): Widget[] {
  const headings = headingsOf(widgets);
  const index = headings.findIndex((h) => h.title.startsWith(startsWith));
  if (index < 0) throw new Error(`no row "${startsWith}" among ${headings.map((h) => h.title).join(' | ')}`);
  const from = headings[index]!.y;
  const to = headings[index + 1]?.y ?? Number.POSITIVE_INFINITY;
  return widgets.filter((w) => w.y > from && w.y < to);
}

describe('deploy/platform/dashboard.ts: the dashboard of a region, from the policy', () => {
  const policy = everyKind();
  const primary = deployIn(policy);
  const secondary = deployIn(policy, policy.regions.secondary);
  const { widgets } = bodyOf(primary);
  const seconds = (ms: number) => ms / 1000;

  it('is one AWS::CloudWatch::Dashboard per region that runs functions, named backup-dr-<stage>-<region>; the archive region has none', () => {
    for (const d of [primary, secondary]) {
      const dashboards = Object.values(d.resources.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard');
      expect(dashboards.map((r) => r.Properties.DashboardName)).toEqual([`backup-dr-test-${d.region}`]);
    }
    const archive = deployIn(policy, policy.regions.archive);
    expect(Object.values(archive.resources.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard')).toEqual([]);
  });

  it('opens with a header saying how to read it, then the live-RPO row, then the restore tests, then the components', () => {
    expect(widgets[0]).toMatchObject({ type: 'text', x: 0, y: 0, width: 24 });
    expect(widgets[0]!.properties.markdown).toMatch(/green below its target, red above it/);
    expect(widgets[0]!.properties.markdown).toMatch(/An empty tile means no figure was published/);
    expect(headingsOf(widgets).map((h) => h.title.split(':')[0])).toEqual([
      'Live RPO',
      'Restore tests',
      'Databases (RDS)',
      'Caches (ElastiCache Redis)',
      'Media (S3)',
      'Configuration (SSM parameters, Secrets Manager)',
      `State machines in ${policy.regions.primary}`,
      `Functions and failure queues in ${policy.regions.primary}`,
      expect.stringMatching(/^Alarm status \(\d+ alarms in ap-northeast-1\)$/),
    ]);
  });

  it('shows every protected resource in the top row: a tile with its live RPO against its own RPO target, red above and green below', () => {
    const tiles = rowOf(widgets, 'Live RPO');
    const resources = listResources(policy);
    expect(resources).toHaveLength(3 + 2 + 2 + 2);
    expect(tiles.map((t) => String(t.properties.title).split(' ')[0])).toEqual(['app-db', 'billing-db', 'audit-db', 'app-redis', 'session-redis', 'media', 'docs', 'app-config', 'billing-config']);
    const target = (tile: Widget) => tile.properties.annotations?.horizontal as { value: number; color: string; fill: string }[] | undefined;
    const byName = (name: string) => tiles.find((t) => String(t.properties.title).startsWith(`${name} `))!;
    for (const tile of tiles) expect(tile.properties).toMatchObject({ view: 'singleValue', sparkline: true });
    // Each resource's own objectives, else its kind's.
    expect(target(byName('app-db'))!.map((a) => [a.value, a.color, a.fill])).toEqual([
      [seconds(policy.objectives.database.rpo), '#d62728', 'above'],
      [seconds(policy.objectives.database.rpo), '#2ca02c', 'below'],
    ]);
    expect(target(byName('billing-db'))![0]!.value).toBe(300);
    expect(target(byName('app-redis'))![0]!.value).toBe(seconds(policy.objectives.redis.rpo));
    expect(target(byName('media'))![0]!.value).toBe(seconds(policy.objectives.media.rpo));
    expect(target(byName('app-config'))![0]!.value).toBe(seconds(policy.objectives.application.rpo));
    // A database: its PITR lag in the primary and, replicated, in the secondary (both measured by check-db-posture in the primary).
    expect(linesOf(byName('app-db')).map((l) => [l.name, l.dimensions, l.options.region])).toEqual([
      ['PitrLagPrimarySeconds', { service: 'backup-dr', component: 'rds', resource: 'app-db', region: 'ap-northeast-1' }, 'ap-northeast-1'],
      ['PitrLagSecondarySeconds', { service: 'backup-dr', component: 'rds', resource: 'app-db', region: 'ap-southeast-1' }, 'ap-northeast-1'],
    ]);
    expect(linesOf(byName('audit-db')).map((l) => l.name)).toEqual(['PitrLagPrimarySeconds']);
    // A cache: the newest verified export's age in each region, published there.
    expect(linesOf(byName('session-redis')).map((l) => [l.name, l.dimensions, l.options.region])).toEqual([
      ['NewestVerifiedExportAgeSeconds', { service: 'backup-dr', component: 'redis', resource: 'session-redis', region: 'ap-northeast-1' }, 'ap-northeast-1'],
      ['NewestVerifiedExportAgeSeconds', { service: 'backup-dr', component: 'redis', resource: 'session-redis', region: 'ap-southeast-1' }, 'ap-southeast-1'],
    ]);
    // A managed bucket: S3 RTC's latency of its rule to the replica; one another stack owns: the daily check's mismatches, no target.
    expect(linesOf(byName('media'))).toMatchObject([
      { namespace: 'AWS/S3', name: 'ReplicationLatency', dimensions: { SourceBucket: 'app-media-prod', DestinationBucket: 'app-media-replica-apse1', RuleId: 'to-replica' }, options: { stat: 'Maximum' } },
    ]);
    expect(linesOf(byName('docs'))).toMatchObject([{ namespace: 'BackupDR', name: 'ReplicationMismatches', dimensions: { service: 'backup-dr', component: 'media', resource: 'docs', region: 'ap-southeast-1' }, options: { region: 'ap-northeast-1' } }]);
    expect(target(byName('docs'))).toBeUndefined();
    expect(linesOf(byName('billing-config'))).toMatchObject([{ name: 'ConfigurationReplicaBehindSeconds', dimensions: { service: 'backup-dr', component: 'config', resource: 'billing-config', region: 'ap-southeast-1' } }]);
  });

  it('shows the last restore test RTO of every restore-tested database and cache against its RTO target, over 35 days (a monthly test stays in view)', () => {
    const tiles = rowOf(widgets, 'Restore tests');
    expect(tiles.map((t) => String(t.properties.title).split(' ')[0])).toEqual(['app-db', 'billing-db', 'app-redis']);
    for (const tile of tiles) expect(tile.properties).toMatchObject({ view: 'singleValue', start: '-P35D' });
    expect(tiles[0]!.properties.annotations.horizontal[0].value).toBe(seconds(policy.objectives.database.rto));
    expect(tiles[1]!.properties.annotations.horizontal[0].value).toBe(3600);
    expect(tiles[2]!.properties.annotations.horizontal[0].value).toBe(seconds(policy.objectives.redis.rto));
    // The weekly snapshot restore where restoreTest.region says, the monthly PITR test in the secondary; restore-test-record writes where the test ran, with its kind.
    expect(linesOf(tiles[0]!).map((l) => [l.name, l.dimensions, l.options.region])).toEqual([
      ['RestoreRtoSeconds', { service: 'backup-dr', component: 'rds', resource: 'app-db', region: 'ap-northeast-1', kind: 'snapshot' }, 'ap-northeast-1'],
      ['RestoreRtoSeconds', { service: 'backup-dr', component: 'rds', resource: 'app-db', region: 'ap-southeast-1', kind: 'pitr' }, 'ap-southeast-1'],
    ]);
    expect(linesOf(tiles[2]!).map((l) => l.dimensions)).toEqual([{ service: 'backup-dr', component: 'redis', resource: 'app-redis', region: 'ap-northeast-1', kind: 'cache-restore' }]);
  });

  it('draws every metric of the namespace BackupDR with the dimensions of the metric catalog, about resources of the policy', () => {
    const lines = widgets.flatMap(linesOf).filter((l) => l.namespace === 'BackupDR');
    expect(new Set(lines.map((l) => l.name)).size).toBeGreaterThan(40);
    for (const line of lines) {
      expect(isMetricName(line.name), line.name).toBe(true);
      expect(Object.keys(line.dimensions), line.name).toEqual(dimensionNames(line.name as MetricName));
    }
    expect(new Set(lines.filter((l) => l.name === 'RestoreRtoSeconds').map((l) => l.dimensions.kind))).toEqual(new Set(['snapshot', 'pitr', 'cache-restore', 'prefix-restore']));
    const names = new Set(listResources(policy).map((r) => r.name));
    for (const line of lines.filter((l) => 'resource' in l.dimensions)) expect(names.has(line.dimensions.resource!), line.dimensions.resource).toBe(true);
  });

  it("draws each database's and cache's snapshot duration against its own backup window, and the size of its backups", () => {
    const graphOf = (title: string) => widgets.find((w) => String(w.properties.title).startsWith(title) && w.properties.view === 'timeSeries')!;
    const durations = widgets.filter((w) => String(w.properties.title).startsWith('Snapshot duration'));
    expect(durations).toHaveLength(2);
    const [rds, redis] = durations;
    expect(linesOf(rds!).map((l) => [l.name, l.dimensions.component, l.dimensions.resource, l.dimensions.region, l.options.stat, l.options.region])).toEqual(
      ['app-db', 'billing-db', 'audit-db'].map((db) => ['BackupDurationSeconds', 'rds', db, 'ap-northeast-1', 'Maximum', 'ap-northeast-1']),
    );
    // billing-db's own window, the others' default.
    expect(rds!.properties.annotations.horizontal.map((a: { label: string; value: number }) => [a.label, a.value])).toEqual([
      ['window app-db, audit-db', 7200],
      ['window billing-db', 2700],
    ]);
    expect(linesOf(redis!).map((l) => l.dimensions.resource)).toEqual(['app-redis', 'session-redis']);
    expect(linesOf(graphOf('Snapshot size')).map((l) => [l.name, l.dimensions.resource])).toEqual(['app-db', 'billing-db', 'audit-db'].map((db) => ['BackupSizeBytes', db]));
    expect(linesOf(graphOf('Export size')).map((l) => [l.name, l.dimensions.component])).toEqual([['BackupSizeBytes', 'redis'], ['BackupSizeBytes', 'redis']]);
    expect(linesOf(graphOf('Bundle size')).map((l) => [l.name, l.dimensions.component, l.dimensions.resource])).toEqual([['BackupSizeBytes', 'config', 'app-config'], ['BackupSizeBytes', 'config', 'billing-config']]);
  });

  it('draws the copies and exports in flight and completed, what was pruned per resource and region, and the media restores\' RTO against the media RTO', () => {
    const lines = widgets.flatMap(linesOf);
    const of = (name: string) => lines.filter((l) => l.name === name).map((l) => [l.dimensions.resource ?? '(run)', l.dimensions.region, l.options.region]);
    expect(of('CopiesInFlight')).toEqual([['(run)', 'ap-southeast-1', 'ap-northeast-1']]);
    expect(of('CopiesVerified')).toEqual(['app-db', 'billing-db', 'audit-db'].map((db) => [db, 'ap-southeast-1', 'ap-southeast-1']));
    expect(of('CacheExportsInFlight')).toEqual([['app-redis', 'ap-northeast-1', 'ap-northeast-1'], ['session-redis', 'ap-northeast-1', 'ap-northeast-1']]);
    expect(of('CacheExportsCompleted')).toHaveLength(2);
    expect(of('SnapshotsDeleted')).toEqual(['ap-northeast-1', 'ap-southeast-1'].flatMap((region) => ['app-db', 'billing-db', 'audit-db'].map((db) => [db, region, region])));
    expect(of('ConfigurationBundleAgeSeconds')).toEqual(['app-config', 'billing-config'].flatMap((c) => [[c, 'ap-northeast-1', 'ap-northeast-1'], [c, 'ap-southeast-1', 'ap-northeast-1']]));
    const restores = widgets.find((w) => String(w.properties.title).startsWith('Point-in-time restores'))!;
    expect(linesOf(restores).map((l) => [l.dimensions.resource, l.dimensions.kind])).toEqual([['media', 'prefix-restore'], ['docs', 'prefix-restore']]);
    expect(restores.properties.annotations.horizontal[0].value).toBe(seconds(policy.objectives.media.rto));
    // Each copy's posture findings with the region it is in, read where its check runs.
    expect(of('PostureFindings').filter(([resource]) => resource === 'media')).toEqual([
      ['media', 'ap-northeast-1', 'ap-northeast-1'],
      ['media', 'ap-southeast-1', 'ap-southeast-1'],
      ['media', 'ap-southeast-2', 'ap-northeast-1'],
    ]);
  });

  it('draws the S3 replication metrics of the rules the template enables them on: the managed media buckets and the cache export bucket', () => {
    const s3 = widgets.flatMap(linesOf).filter((l) => l.namespace === 'AWS/S3' && 'RuleId' in l.dimensions);
    expect(new Set(s3.map((l) => l.name))).toEqual(new Set(['ReplicationLatency', 'BytesPendingReplication', 'OperationsPendingReplication', 'OperationsFailedReplication']));
    const rules = Object.values(primary.resources.Resources)
      .filter((r) => r.Type === 'AWS::S3::Bucket')
      .flatMap((r) => ((r.Properties.ReplicationConfiguration as { Rules?: { Id: string; Destination: { Metrics?: unknown } }[] } | undefined)?.Rules ?? []).map((rule) => ({ bucket: r.Properties.BucketName, rule })));
    const withMetrics = new Set(rules.filter(({ rule }) => rule.Destination.Metrics !== undefined).map(({ rule }) => rule.Id));
    expect(new Set(s3.map((l) => l.dimensions.RuleId))).toEqual(withMetrics);
    expect(new Set(s3.map((l) => l.dimensions.SourceBucket))).toEqual(new Set(['app-media-prod', `backup-dr-exports-test-${ACCOUNT}-ap-northeast-1`]));
    // Not the bucket another stack owns: its rule is not ours to name.
    expect(JSON.stringify(s3)).not.toContain('app-docs-prod');
    for (const line of s3) expect(Object.keys(line.dimensions)).toEqual(['SourceBucket', 'DestinationBucket', 'RuleId']);
    for (const line of s3) expect(line.options.region).toBe(policy.regions.primary);
  });

  it('draws the storage of every copy: the media buckets per storage class their lifecycle uses (and the archive copy), the export and config buckets of both regions', () => {
    const storage = widgets.flatMap(linesOf).filter((l) => l.namespace === 'AWS/S3' && !('RuleId' in l.dimensions));
    for (const line of storage) {
      expect(Object.keys(line.dimensions)).toEqual(['BucketName', 'StorageType']);
      expect(line.options).toMatchObject({ stat: 'Average', period: 86400 });
      expect(line.name === 'NumberOfObjects' ? ['AllStorageTypes'] : ['StandardStorage', 'StandardIAStorage', 'GlacierStorage', 'DeepArchiveStorage']).toContain(line.dimensions.StorageType);
    }
    const bytes = (bucket: string) => storage.filter((l) => l.name === 'BucketSizeBytes' && l.dimensions.BucketName === bucket).map((l) => [l.dimensions.StorageType, l.options.region]);
    // media: infrequentAccessAfter, glacierAfter, deepArchiveAfter in the policy; its replica; its archive copy in the archive region.
    expect(bytes('app-media-prod')).toEqual(['StandardStorage', 'StandardIAStorage', 'GlacierStorage', 'DeepArchiveStorage'].map((t) => [t, 'ap-northeast-1']));
    expect(bytes('app-media-replica-apse1')).toEqual([['StandardStorage', 'ap-southeast-1']]);
    expect(bytes('app-media-archive-apse2')).toEqual([['DeepArchiveStorage', 'ap-southeast-2']]);
    expect(bytes('app-docs-prod')).toEqual([['StandardStorage', 'ap-northeast-1']]);
    for (const region of [policy.regions.primary, policy.regions.secondary]) {
      expect(bytes(`backup-dr-exports-test-${ACCOUNT}-${region}`)).toEqual([['StandardStorage', region]]);
      expect(bytes(`backup-dr-config-test-${ACCOUNT}-${region}`)).toEqual([['StandardStorage', region]]);
    }
    const objects = storage.filter((l) => l.name === 'NumberOfObjects').map((l) => l.dimensions.BucketName);
    expect(objects).toEqual(['app-media-prod', 'app-media-replica-apse1', 'app-media-archive-apse2', 'app-docs-prod', 'app-docs-replica-apse1']);
  });

  it("draws this region's state machines and functions by the names they are deployed under, and its failure queues", () => {
    for (const d of [primary, secondary]) {
      const { widgets: ws } = bodyOf(d);
      const lines = ws.flatMap(linesOf);
      const machines = new Set(lines.filter((l) => l.namespace === 'AWS/States').map((l) => l.dimensions.StateMachineArn));
      expect(machines).toEqual(new Set(Object.values(d.stateMachines).map((m) => `arn:aws:states:${d.region}:${ACCOUNT}:stateMachine:${m.name}`)));
      const functions = new Set(lines.filter((l) => l.namespace === 'AWS/Lambda').map((l) => l.dimensions.FunctionName));
      expect(functions).toEqual(new Set(Object.keys(d.functions).map((fn) => `backup-dr-test-${fn}`)));
      const queues = lines.filter((l) => l.namespace === 'AWS/SQS').map((l) => l.dimensions.QueueName);
      const queueNames = Object.values(d.resources.Resources).filter((r) => r.Type === 'AWS::SQS::Queue').map((r) => r.Properties.QueueName);
      expect(new Set(queues)).toEqual(new Set(queueNames));
      for (const line of lines.filter((l) => ['AWS/States', 'AWS/Lambda', 'AWS/SQS'].includes(l.namespace))) expect(line.options.region).toBe(d.region);
    }
  });

  it('shows the state of every alarm of the stack, by ARN from Fn::GetAtt', () => {
    for (const d of [primary, secondary]) {
      const { widgets: ws, variables } = bodyOf(d);
      const alarmIds = Object.entries(d.resources.Resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm').map(([id]) => id);
      expect(alarmIds.length).toBeGreaterThan(10);
      expect(variables).toEqual(Object.fromEntries(alarmIds.map((id) => [`${id}Arn`, { 'Fn::GetAtt': [id, 'Arn'] }])));
      const shown = ws.filter((w) => w.type === 'alarm').flatMap((w) => w.properties.alarms as string[]);
      expect(shown).toEqual(alarmIds.map((id) => `arn:aws:cloudwatch:${d.region}:${ACCOUNT}:alarm:${id}Arn`));
    }
  });

  it('lays every widget on the 24-column grid, none overlapping, rows top to bottom', () => {
    for (const d of [primary, secondary]) {
      const { widgets: ws } = bodyOf(d);
      for (const w of ws) {
        expect(Number.isInteger(w.x) && Number.isInteger(w.y) && w.x >= 0 && w.y >= 0, JSON.stringify(w.properties.title)).toBe(true);
        expect(w.x + w.width, String(w.properties.title)).toBeLessThanOrEqual(GRID_COLUMNS);
      }
      for (let i = 0; i < ws.length; i++) {
        for (let j = i + 1; j < ws.length; j++) {
          const [a, b] = [ws[i]!, ws[j]!];
          const overlap = a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
          expect(overlap, `${a.properties.title ?? a.properties.markdown} / ${b.properties.title ?? b.properties.markdown}`).toBe(false);
        }
      }
      const ys = ws.map((w) => w.y);
      expect(ys).toEqual([...ys].sort((p, q) => p - q));
    }
    // Wrapping: a line is as tall as its tallest widget; a heading spans the grid.
    const text = (width: number, height: number) => ({ type: 'text' as const, width, height, properties: {} });
    expect(layOut([{ title: 'Row', widgets: [text(16, 4), text(8, 6), text(12, 2)] }]).map((w) => [w.x, w.y, w.width])).toEqual([
      [0, 0, 24],
      [0, 1, 16],
      [16, 1, 8],
      [0, 7, 12],
    ]);
    expect(() => layOut([{ widgets: [text(25, 1)] }])).toThrow(PackagingError);
  });

  it('the secondary shows the same resources in its top row, read where they are published', () => {
    const { widgets: ws } = bodyOf(secondary);
    expect(rowOf(ws, 'Live RPO').map((t) => t.properties.title)).toEqual(rowOf(widgets, 'Live RPO').map((t) => t.properties.title));
    expect(rowOf(ws, 'Live RPO').flatMap(linesOf)).toEqual(rowOf(widgets, 'Live RPO').flatMap(linesOf));
  });

  it('refuses to package a dashboard that leaves a resource out of the top row', () => {
    const withoutConfig = CONTRIBUTIONS.filter((c) => c.name !== 'config/dashboard');
    expect(() => buildDeployment({ policy, region: policy.regions.primary, stage: 'test', policySource: 'test-policy.yml', policyFile: 'backup-policy.yml' }, withoutConfig)).toThrow(
      /the dashboard has no live-RPO tile for app-config \(configuration\), billing-config \(configuration\)/,
    );
  });

  it('escapes every "${" of the body for Fn::Sub but the account, the partition and the alarm variables', () => {
    expect(subTemplate({ markdown: '${PROP(x)} ${AWS::AccountId} ${AWS::Partition} ${AlarmArn}' }, ['AlarmArn'])).toBe(
      '{"markdown":"${!PROP(x)} ${AWS::AccountId} ${AWS::Partition} ${AlarmArn}"}',
    );
  });

  it('a policy with only databases: their tiles and rows, no cache, media or configuration rows', () => {
    const only = policyWith((doc) => {
      doc.resources.caches = [];
      doc.resources.buckets = [];
      doc.resources.configuration = [];
    });
    const { widgets: ws } = bodyOf(deployIn(only));
    expect(rowOf(ws, 'Live RPO').map((t) => String(t.properties.title).split(' ')[0])).toEqual(['app-db']);
    expect(headingsOf(ws).map((h) => h.title)).not.toContainEqual(expect.stringMatching(/^(Caches|Media|Configuration)/));
  });
});
