// `backup-dr policy check [FILE]`, in-process through runCli: the repository's policy is valid and its
// summary says what it means; copies of it with one thing broken are rejected (exit 2) with the field
// path of what is broken on stderr and nothing on stdout.
import { afterAll, describe, expect, it } from 'vitest';
import { defaultPolicyDocument, run, scratchDir, toYaml, type CliResult, type PolicyDocument } from '../helpers/cli.js';

const tmp = scratchDir('policy-check');
afterAll(() => tmp.cleanup());

const NOW = '2026-11-25T09:00:00+09:00';
let fileCounter = 0;

/** Writes a copy of backup-policy.yml with `change` applied and returns its path. */
function policyWith(change: (doc: PolicyDocument) => void): string {
  const doc = defaultPolicyDocument();
  change(doc);
  fileCounter += 1;
  return tmp.write(`policy-${fileCounter}.yml`, toYaml(doc));
}

function check(args: readonly string[]): CliResult {
  return run(['policy', 'check', ...args, '--now', NOW]);
}

function expectInvalid(result: CliResult, mentions: readonly string[]): void {
  expect(result.code, `exit code; stderr: ${result.stderr}`).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderrLines.length).toBeGreaterThanOrEqual(1);
  for (const text of mentions) expect(result.stderr).toContain(text);
}

describe('policy check — the repository policy', () => {
  const result = check([]);
  const lines = result.stdout.split('\n');
  const row = (start: RegExp) => lines.find((line) => start.test(line)) ?? '';

  it('is valid: exit 0, nothing on stderr', () => {
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(lines[0]).toBe('backup-policy.yml: valid — policy "production", time zone Asia/Tokyo');
    expect(lines[1]).toBe('regions: primary ap-northeast-1, secondary ap-southeast-1, archive ap-southeast-2');
  });

  it('summarises app-db: its source, the 02:00 Tokyo schedule and next run, its retention and steady-state counts', () => {
    const appDb = row(/^databases +app-db /);
    expect(appDb).toContain('rds:app-db-prod');
    expect(appDb).toContain('cron(0 2 * * ? *)');
    expect(appDb).toContain('2026-11-26 02:00');
    expect(appDb).toContain('keep daily within 30d, weekly within 84d, monthly within 12m, yearly within 7y');
    expect(appDb).toMatch(/ 56 \/ 56$/);
  });

  it('summarises the cache: every 6 hours and "within 7d" hold 7 × 4 = 28 snapshots', () => {
    const cache = row(/^caches +app-redis /);
    expect(cache).toContain('cron(0 */6 * * ? *)');
    expect(cache).toContain('2026-11-25 12:00');
    expect(cache).toContain('keep everything within 7d');
    expect(cache).toMatch(/ 28 \/ 28$/);
  });

  it('lists the bucket with its lifecycle (the noncurrent versions\' expiry included) and no snapshot counts', () => {
    expect(row(/^buckets +media /)).toMatch(/current versions; infrequentAccess 30d, glacier 90d, deepArchive 1y, noncurrentExpire 1y +-$/);
  });

  it('prints the recovery objectives', () => {
    expect(row(/^database +/)).toMatch(/^database +15 min +2 h$/);
    expect(row(/^redis +/)).toMatch(/^redis +6 h +30 min$/);
  });

  it('reports RDS manual-snapshot quota use per region from the database steady state', () => {
    expect(result.stdout).toContain('RDS manual snapshots per region (steady state, all databases)');
    expect(row(/^ap-northeast-1 +\d/)).toMatch(/^ap-northeast-1 +56 +100 +56 %$/);
    expect(row(/^ap-southeast-1 +\d/)).toMatch(/^ap-southeast-1 +56 +100 +56 %$/);
    expect(result.stdout).not.toContain('WARNING');
  });

  it('--json gives the same figures as data', () => {
    const json = run(['policy', 'check', '--json', '--now', NOW]);
    expect(json.code).toBe(0);
    const summary = JSON.parse(json.stdout) as {
      name: string;
      resources: { name: string; nextRun: number | null; steadyState: unknown }[];
      rdsQuota: unknown[];
      warnings: unknown[];
    };
    expect(summary.name).toBe('production');
    const appDb = summary.resources.find((r) => r.name === 'app-db');
    expect(appDb?.nextRun).toBe(Date.parse('2026-11-26T02:00:00+09:00'));
    expect(appDb?.steadyState).toEqual({ primary: 56, secondary: 56 });
    expect(summary.rdsQuota).toEqual([
      { region: 'ap-northeast-1', snapshots: 56, quota: 100 },
      { region: 'ap-southeast-1', snapshots: 56, quota: 100 },
    ]);
    expect(summary.warnings).toEqual([]);
  });

  it('checks an explicit FILE and names it', () => {
    const file = policyWith(() => undefined);
    const copy = check([file]);
    expect(copy.code).toBe(0);
    expect(copy.stdout.split('\n')[0]).toBe(`${file}: valid — policy "production", time zone Asia/Tokyo`);
  });
});

describe('policy check — figures for simple retentions, checked by hand', () => {
  it('a database keeping last 10 and 7 yearly holds at most 10 + 6 = 16 (the current year\'s is among the last 10)', () => {
    const file = policyWith((doc) => {
      doc.resources.databases[0].retention = { last: 10, yearly: 7 };
    });
    const result = check([file]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^databases +app-db .* 16 \/ 16$/m);
    expect(result.stdout).toMatch(/^ap-northeast-1 +16 +100 +16 %$/m);
  });

  it('a different secondary retention is shown and counted for the secondary region', () => {
    const file = policyWith((doc) => {
      doc.resources.databases[0].retention.secondary = { last: 10, yearly: 7 };
    });
    const result = check([file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('secondary: keep 10 last, 7 yearly');
    expect(result.stdout).toMatch(/^databases +app-db .* 56 \/ 16$/m);
    expect(result.stdout).toMatch(/^ap-southeast-1 +16 +100 +16 %$/m);
  });
});

describe('policy check — warnings', () => {
  it('warns when the databases would use more than 80 % of the RDS snapshot quota', () => {
    const result = check([policyWith((doc) => (doc.rds.manualSnapshotQuota = 60))]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ap-northeast-1 +56 +60 +93 %$/m);
    expect(result.stdout).toContain('WARNING: ap-northeast-1: the policy keeps up to 56 manual DB snapshots, over 80 % of the quota of 60');
    expect(result.stdout).toContain('WARNING: ap-southeast-1:');
  });

  it('warns that an unlimited count on a database will reach the quota', () => {
    const result = check([policyWith((doc) => (doc.resources.databases[0].retention.yearly = -1))]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ap-northeast-1 +unbounded +100 +-$/m);
    expect(result.stdout).toContain('WARNING: ap-northeast-1: a database keeps snapshots without limit');
  });

  it('says when a compliance override is in use', () => {
    const result = check([
      policyWith((doc) => {
        doc.resources.databases[0].retention.withinYearly = '3y';
        doc.resources.databases[0].retention.complianceOverride = 'approved by legal, ticket LEGAL-123';
      }),
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('WARNING: app-db: compliance override in use: approved by legal, ticket LEGAL-123');
  });
});

describe('policy check — an invalid policy exits 2 naming the field path', () => {
  const cases: { name: string; change: (doc: PolicyDocument) => void; mentions: string[] }[] = [
    {
      name: 'a bad retention duration',
      change: (doc) => (doc.resources.databases[0].retention.withinDaily = '30 days'),
      mentions: ['resources.databases[0].retention.withinDaily', '30 days'],
    },
    {
      name: 'a duration with an unknown unit',
      change: (doc) => (doc.resources.configuration[0].retention.withinYearly = '7x'),
      mentions: ['resources.configuration[0].retention.withinYearly'],
    },
    {
      name: 'an unknown key in a retention',
      change: (doc) => (doc.resources.databases[0].retention.dialy = 7),
      mentions: ['resources.databases[0].retention', 'unknown key "dialy"'],
    },
    {
      name: 'an unknown top-level key',
      change: (doc) => (doc.retention = { daily: 7 }),
      mentions: ['unknown key "retention"'],
    },
    {
      name: 'an unknown key on a resource',
      change: (doc) => (doc.resources.caches[0].schedul = 'cron(0 1 * * ? *)'),
      mentions: ['resources.caches[0]', 'unknown key "schedul"'],
    },
    {
      name: 'a cron with five fields',
      change: (doc) => (doc.resources.databases[0].schedule = 'cron(0 2 * * *)'),
      mentions: ['resources.databases[0].schedule', '6 fields'],
    },
    {
      name: 'a cron hour out of range',
      change: (doc) => (doc.resources.configuration[0].schedule = 'cron(0 25 * * ? *)'),
      mentions: ['resources.configuration[0].schedule', 'hours'],
    },
    {
      name: 'a cron giving both day-of-month and day-of-week',
      change: (doc) => (doc.resources.caches[0].schedule = 'cron(0 2 * * MON *)'),
      mentions: ['resources.caches[0].schedule'],
    },
    {
      name: 'a schedule that is neither cron nor rate',
      change: (doc) => (doc.resources.databases[0].schedule = 'daily at 02:00'),
      mentions: ['resources.databases[0].schedule'],
    },
    {
      name: 'an unknown time zone',
      change: (doc) => (doc.timezone = 'Asia/Tokio'),
      mentions: ['timezone', 'Asia/Tokio'],
    },
    {
      name: 'an unknown region',
      change: (doc) => (doc.regions.secondary = 'ap-southeast-9'),
      mentions: ['regions.secondary', 'ap-southeast-9'],
    },
    {
      name: 'the same region twice',
      change: (doc) => (doc.regions.secondary = doc.regions.primary as string),
      mentions: ['regions', 'different regions'],
    },
    {
      name: 'a negative count',
      change: (doc) => (doc.resources.caches[0].retention.last = -2),
      mentions: ['resources.caches[0].retention.last', 'negative'],
    },
    {
      name: 'a negative count in the secondary retention',
      change: (doc) => (doc.resources.databases[0].retention.secondary = { daily: -3 }),
      mentions: ['resources.databases[0].retention.secondary.daily', 'negative'],
    },
    {
      name: 'a fractional count',
      change: (doc) => (doc.resources.databases[0].retention.monthly = 2.5),
      mentions: ['resources.databases[0].retention.monthly'],
    },
    {
      name: 'a compliance override without a real reason',
      change: (doc) => (doc.resources.databases[0].retention.complianceOverride = 'ok'),
      mentions: ['resources.databases[0].retention.complianceOverride'],
    },
    {
      name: 'a bad compliance floor duration',
      change: (doc) => (doc.compliance.databases.yearly = '7 years'),
      mentions: ['compliance.databases.yearly'],
    },
    {
      name: 'an unknown compliance tier',
      change: (doc) => (doc.compliance.databases.decadely = '1y'),
      mentions: ['compliance.databases', 'unknown key "decadely"'],
    },
    {
      name: 'an unsupported version',
      change: (doc) => (doc.version = 2),
      mentions: ['version'],
    },
    {
      name: 'two resources with one name',
      change: (doc) => (doc.resources.caches[0].name = 'app-db'),
      mentions: ['resources.caches[0].name', 'app-db'],
    },
    {
      name: 'a bad resource name',
      change: (doc) => (doc.resources.databases[0].name = 'App_DB'),
      mentions: ['resources.databases[0].name'],
    },
    {
      name: 'a bad recovery objective',
      change: (doc) => (doc.objectives.database.rpo = '15 minutes'),
      mentions: ['objectives.database.rpo'],
    },
    {
      name: 'a bad alert e-mail address',
      change: (doc) => (doc.alerts.emails = ['ops-at-example.com']),
      mentions: ['alerts.emails[0]'],
    },
    {
      name: 'a quota warning ratio above 1',
      change: (doc) => (doc.rds.quotaWarningRatio = 1.5),
      mentions: ['rds.quotaWarningRatio'],
    },
    {
      name: 'versioning turned off on a bucket',
      change: (doc) => (doc.resources.buckets[0].versioning = false),
      mentions: ['resources.buckets[0].versioning'],
    },
  ];

  it.each(cases)('$name', ({ change, mentions }) => {
    const file = policyWith(change);
    const result = check([file]);
    expectInvalid(result, [file, ...mentions]);
    expect(result.stderrLines[0]).toBe(`backup-dr: ${file} is invalid:`);
  });

  it('reports every invalid field at once, one per line', () => {
    const file = policyWith((doc) => {
      doc.timezone = 'Asia/Tokio';
      doc.regions.secondary = 'ap-southeast-9';
      doc.resources.databases[0].schedule = 'cron(0 2 * * *)';
      doc.resources.caches[0].retention.last = -2;
    });
    const result = check([file]);
    expectInvalid(result, []);
    expect(result.stderrLines.slice(1).map((line) => line.split(':')[0])).toEqual([
      'timezone',
      'regions.secondary',
      'resources.databases[0].schedule',
      'resources.caches[0].retention.last',
    ]);
  });

  it('rejects a file that is not YAML', () => {
    const file = tmp.write('broken.yml', 'version: 1\nregions: [ap-northeast-1\nname: x\n');
    expectInvalid(check([file]), [file, 'not valid YAML']);
  });

  it('rejects duplicate keys instead of letting the last one win', () => {
    const text = toYaml(defaultPolicyDocument()).replace(/^timezone: Asia\/Tokyo$/m, 'timezone: Asia/Tokyo\ntimezone: UTC');
    const file = tmp.write('duplicate.yml', text);
    expectInvalid(check([file]), [file]);
  });

  it('rejects an unreadable file naming it', () => {
    const file = tmp.path('no-such-policy.yml');
    expectInvalid(check([file]), [file, 'ENOENT']);
  });

  it.each([
    { name: 'two files', args: ['a.yml', 'b.yml'], mentions: ['FILE'] },
    { name: 'an unknown option', args: ['--strict'], mentions: ['--strict'] },
    { name: 'a --now without an offset', args: ['--now', '2026-11-25T09:00:00'], mentions: ['--now'] },
  ])('rejects $name on the command line with one line', ({ args, mentions }) => {
    const result = run(['policy', 'check', ...args]);
    expectInvalid(result, mentions);
    expect(result.stderrLines).toHaveLength(1);
  });
});

describe('policy check — a retention its guards refuse names the resource', () => {
  // summarisePolicy runs assertPolicyAcceptable per resource; the refusal it throws says what is
  // wrong but not where, so with several resources the operator cannot tell which one to fix.
  it('a database below the 7y compliance floor without an override is refused naming app-db', () => {
    const result = check([policyWith((doc) => (doc.resources.databases[0].retention.withinYearly = '3y'))]);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('7y');
    expect(result.stderr).toContain('app-db');
  });

  it('a cache whose retention keeps nothing is refused naming app-redis', () => {
    const result = check([policyWith((doc) => (doc.resources.caches[0].retention = {}))]);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('keeps nothing');
    expect(result.stderr).toContain('app-redis');
  });
});

describe('policy check — a schedule that never fires is invalid, naming the field', () => {
  it.each([
    { name: '31 February', field: 'resources.databases[0].schedule', schedule: 'cron(0 2 31 2 ? *)', mentions: ['never fires', 'no date is day "31" of month "2"'] },
    { name: '30 February in a restore test', field: 'resources.databases[0].restoreTest.schedule', schedule: 'cron(0 4 30 FEB ? *)', mentions: ['never fires'] },
    { name: 'a fifth Monday in Februaries that have none', field: 'resources.caches[0].schedule', schedule: 'cron(0 0 ? FEB 2#5 2026-2027)', mentions: ['never fires'] },
  ])('$name (no date matches, whatever the clock)', ({ field, schedule, mentions }) => {
    const file = policyWith((doc) => {
      const path = field.replace(/\[(\d+)\]/g, '.$1').split('.');
      let target: PolicyDocument = doc;
      for (const key of path.slice(0, -1)) target = target[key] as PolicyDocument;
      target[path.at(-1) as string] = schedule;
    });
    const result = check([file]);
    expectInvalid(result, [file, ...mentions]);
    expect(result.stderrLines[0]).toBe(`backup-dr: ${file} is invalid:`);
    expect(result.stderrLines.some((line) => line.startsWith(`${field}: cron day-of-`))).toBe(true);
  });

  it('a year field that has passed, naming the field and the last year', () => {
    const file = policyWith((doc) => (doc.resources.databases[0].schedule = 'cron(0 2 * * ? 2020-2025)'));
    const result = check([file]);
    expectInvalid(result, []);
    expect(result.stderrLines).toEqual([
      `backup-dr: ${file} is invalid:`,
      'resources.databases[0].schedule: "cron(0 2 * * ? 2020-2025)" never fires after 2026-11-25 09:00 Asia/Tokyo: its year field ends in 2025',
    ]);
  });

  it('every schedule that never fires, one line each, including the rds schedules', () => {
    const file = policyWith((doc) => {
      doc.rds.pruneSchedule = 'cron(30 5 * * ? 2024)';
      doc.resources.configuration[0].schedule = 'cron(0 3 1 1 ? 2026)';
    });
    const result = check([file]);
    expectInvalid(result, []);
    expect(result.stderrLines.slice(1).map((line) => line.split(':')[0])).toEqual(['rds.pruneSchedule', 'resources.configuration[0].schedule']);
  });

  it('a time that only ever falls in New York’s spring-forward gap (second Sunday of March, 02:30)', () => {
    const file = policyWith((doc) => {
      doc.timezone = 'America/New_York';
      doc.resources.caches[0].schedule = 'cron(30 2 ? MAR 1#2 *)';
    });
    const result = check([file]);
    expectInvalid(result, ['resources.caches[0].schedule', 'never fires after', 'daylight-saving gap']);
  });

  it('accepts a schedule with one run left', () => {
    const result = check([policyWith((doc) => (doc.resources.caches[0].schedule = 'cron(0 0 1 1 ? 2027)'))]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^caches +app-redis .*cron\(0 0 1 1 \? 2027\) +2027-01-01 00:00 /m);
  });
});

describe('policy check — steady state for a schedule far denser than daily', () => {
  it('rate(1 minute) with withinHourly: 400d holds 9,601 snapshots: 96 times the RDS quota', () => {
    const file = policyWith((doc) => {
      doc.resources.databases[0].schedule = 'rate(1 minute)';
      doc.resources.databases[0].retention = { withinHourly: '400d', complianceOverride: 'load test of the steady-state figures only' };
    });
    const result = check([file]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^databases +app-db .* 9601 \/ 9601$/m);
    expect(result.stdout).toMatch(/^ap-northeast-1 +9601 +100 +9601 %$/m);
    expect(result.stdout).toContain('WARNING: ap-northeast-1: the policy keeps up to 9601 manual DB snapshots, over 80 % of the quota of 100');
  });
});
