// The drill's Slack part without the rest of the drill: the alerts of a run go through the real notifier
// to a local webhook; what arrived is printed as text — one message per alert, an identical repeat folded
// into a count — and the webhook's URL is not printed.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DRILL_WEBHOOK_SECRET, runSlackDrill } from '../../drill/slack.js';
import { S3StandIn } from '../../sandbox/aws/s3-standin.js';
import { SecretsStandIn } from '../../sandbox/aws/secrets-standin.js';
import type { Alert } from '../../shared/alerts/alert.js';
import { teamPolicy } from '../helpers/runtime.js';

const policy = teamPolicy();
const REGION = policy.regions.primary;
const NOW = Date.parse('2026-12-03T00:00:00Z');
const ALERT: Alert = {
  severity: 'critical',
  kind: 'restore-test-failed',
  resource: 'app-db',
  region: REGION,
  summary: 'restore test of app-db failed: 2 tables differ',
  action: 'Read the evidence; compare the tables named there with production.',
  source: 'restore-test-notify',
  at: NOW,
  details: { evidence: 'evidence/app-db/2026/12/rt-1.json' },
};

describe('npm run drill: the Slack messages', () => {
  const s3 = new S3StandIn();
  const secrets = new SecretsStandIn();
  beforeEach(() => {
    s3.install();
    secrets.install();
  });
  afterEach(() => {
    s3.restore();
    secrets.restore();
  });

  it('prints each alert as the notifier posted it to the local webhook, a repeat folded, and no webhook URL', async () => {
    const lines: string[] = [];
    const warning: Alert = { ...ALERT, severity: 'warning', kind: 'quota-high', summary: 'manual snapshots at 85 of 100', action: 'Prune or raise the quota.', source: 'prune-db-snapshots', details: { measured: '85 %', target: 'under 80 %' } };
    const result = await runSlackDrill({ policy, stage: 'drill', reportsBucket: 'backup-dr-reports-drill', secrets, alerts: [ALERT, warning, { ...ALERT, at: NOW + 60_000 }], print: (line) => lines.push(line) });

    expect(result).toEqual({ posted: 2, folded: 1, skipped: 0, attempts: 2 });
    const out = lines.join('\n');
    expect(lines.filter((l) => l === 'Slack message that would be posted:')).toHaveLength(2);
    expect(out).toContain('  > CRITICAL: restore-test-failed app-db');
    expect(out).toContain('  >   :rotating_light: restore test of app-db failed: 2 tables differ');
    expect(out).toContain(`  >   Severity: critical · Component: rds · Resource: app-db · Region: ${REGION}`);
    expect(out).toContain('  >   *What to do:* Read the evidence; compare the tables named there with production.');
    expect(out).toContain(`  >   [Evidence] https://s3.console.aws.amazon.com/s3/object/backup-dr-reports-drill?region=${REGION}&prefix=evidence%2Fapp-db%2F2026%2F12%2Frt-1.json`);
    expect(out).toContain(`  >   Severity: warning · Component: rds · Resource: app-db · Region: ${REGION} · Measured: 85 % · Target: under 80 %`);
    expect(out).toContain('Slack: 1 repeat folded into the messages above (posted with their count after the window)');
    const url = secrets.versions(REGION, DRILL_WEBHOOK_SECRET).at(-1)!.value;
    expect(out).not.toContain(url);
    expect(out).not.toContain('/services/');
  });

  it('says so when there is nothing to post', async () => {
    const lines: string[] = [];
    await runSlackDrill({ policy, stage: 'drill', reportsBucket: 'backup-dr-reports-drill', secrets, alerts: [], print: (line) => lines.push(line) });
    expect(lines).toEqual(['', 'Slack: nothing would be posted']);
  });
});
