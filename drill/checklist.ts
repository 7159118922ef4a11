// The drill's daily checklist: once everything else has run, the real daily-checklist handler
// (functions/platform/daily-checklist) reads what the run left behind — the metrics its handlers
// published (their EMF records, taken off stdout into the CloudWatch stand-in, in the Region each ran in)
// and the evidence its restore tests wrote to the S3 stand-in — and says per resource what the operators
// would read the next morning. It runs as at the next full hour: its window ends at the last full hour
// (figures.ts), and this run's records fall in the current one.
//
// First as the team's policy has it, without Slack: the checklist goes to the alerts topic as info, and
// its plain text is printed. Then with the drill's local webhook as alerts.slack: the Block Kit message it
// posts, printed as text. The posture checks and the prune functions do not run in the drill, so the
// figures they measure (the live RPO, the snapshot quota, what was pruned) are missing — as they would be
// in AWS if those jobs had not run, which is what the checklist exists to show.

import type { ChecklistResult } from '../functions/platform/daily-checklist/daily-checklist.js';
import { handler as checklistHandler } from '../functions/platform/daily-checklist/handler.js';
import type { CloudWatchStandIn } from '../sandbox/aws/cloudwatch-standin.js';
import type { SecretsStandIn } from '../sandbox/aws/secrets-standin.js';
import { lambdaContext } from '../sandbox/lambda-context.js';
import { alertText, type Alert, type AlertSink } from '../shared/alerts/alert.js';
import { forgetWebhookUrl } from '../shared/alerts/slack-webhook-url.js';
import { ENV, REPORT_PREFIX } from '../shared/contracts.js';
import { errorMessage, errorName } from '../shared/errors.js';
import type { Policy } from '../shared/policy/schema.js';
import { DRILL_WEBHOOK_SECRET, localWebhook, printSlackMessage, withDrillWebhook } from './slack.js';

/** How the drill sets up the runtime a handler finds: in the primary, here with a policy, a clock and an alert sink of the checklist's own. */
export type ChecklistRuntime = (role: 'primary', overrides: { readonly policy: Policy; readonly now: () => number; readonly alerts: AlertSink }) => void;

export interface ChecklistDrillOptions {
  readonly policy: Policy;
  readonly reportsBucket: string;
  /** Installed, holding every sample the run's handlers published. */
  readonly cloudwatch: CloudWatchStandIn;
  /** Installed: the Slack run reads the webhook's URL from it. The S3 stand-in must be installed too. */
  readonly secrets: SecretsStandIn;
  readonly useRuntime: ChecklistRuntime;
  readonly print: (line: string) => void;
}

export interface ChecklistDrillResult {
  /** The resources marked failing, and needing attention (of the run without Slack). */
  readonly failing: readonly string[];
  readonly attention: readonly string[];
  /** What made a run of the handler fail ("daily-checklist (Name)"), if one did. */
  readonly caughtBy: readonly string[];
}

const HOUR = 3_600_000;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const pad = (text: string, width: number) => text.padEnd(width);
const names = (list: readonly string[]) => (list.length === 0 ? '' : ` (${list.join(', ')})`);

export async function runChecklistDrill(options: ChecklistDrillOptions): Promise<ChecklistDrillResult> {
  const { policy, print } = options;
  const primary = policy.regions.primary;
  const at = Math.floor(Date.now() / HOUR) * HOUR + HOUR;
  const offset = at - Date.now();
  const now = () => Date.now() + offset;
  // One reports bucket holds the drill's evidence, whichever Region its restore test ran in.
  process.env[ENV.reportsBucket] = options.reportsBucket;
  process.env[ENV.peerReportsBucket] = options.reportsBucket;

  print('');
  print(`Daily checklist (the real daily-checklist handler, as at ${new Date(at).toISOString()}, the next full hour: its window, the 24 h to the last full hour, holds this run)`);
  const published = options.cloudwatch.samples();
  print(`  figures: GetMetricData on the CloudWatch stand-in, which holds the ${published.length} samples this run's handlers published (their EMF records, taken off stdout); evidence: s3://${options.reportsBucket}/${REPORT_PREFIX.evidence}`);
  for (const rejected of options.cloudwatch.rejected()) print(`  ⚠ an EMF record of this run yields no metric (${rejected.reason}): ${rejected.document.slice(0, 200)}`);

  const caughtBy: string[] = [];
  /** One run of the handler with `runPolicy`: its result, and the alerts it published. */
  const run = async (label: string, runPolicy: Policy): Promise<{ result: ChecklistResult | null; alerts: Alert[] }> => {
    const alerts: Alert[] = [];
    options.useRuntime('primary', { policy: runPolicy, now, alerts: { publish: async (alert) => void alerts.push(alert) } });
    // The checklist is a Lambda of its own: a container of its own, which has read no webhook URL yet.
    forgetWebhookUrl();
    const started = Date.now();
    try {
      const result = await checklistHandler({ period: 'daily' }, lambdaContext('daily-checklist', { region: primary }));
      const verdicts = [`${result.failing.length} failing${names(result.failing)}`, `${result.attention.length} need attention${names(result.attention)}`].join(', ');
      const where = result.deliveredTo === 'slack' ? `posted to the webhook (${result.attempts} attempt${result.attempts === 1 ? '' : 's'})` : 'published to the alerts topic as info';
      print(`  ✓ ${pad(label, 30)} ${pad(seconds(Date.now() - started), 9)} ${result.resources} resources: ${verdicts}; ${where}`);
      return { result, alerts };
    } catch (error) {
      print(`  ✗ ${pad(label, 30)} ${pad(seconds(Date.now() - started), 9)} ${errorName(error)}: ${errorMessage(error)}`);
      caughtBy.push(`daily-checklist (${errorName(error)})`);
      for (const alert of alerts.filter((a) => a.severity !== 'info')) {
        print('Alert that would be sent to the alerts topic:');
        for (const line of alertText(alert, policy.timezone).split('\n')) print(`  | ${line}`);
      }
      return { result: null, alerts };
    }
  };

  // As the team's policy has it (no alerts.slack): to the alerts topic, its text as the e-mail subscribers read it.
  const plain = await run('daily-checklist', policy);
  const info = plain.alerts.find((a) => a.severity === 'info' && a.source === 'daily-checklist');
  if (info !== undefined) {
    for (const line of [info.summary, ...String(info.details?.checklist ?? '').split('\n')]) print(`  | ${line}`);
    print('  · not run by the drill, so missing above as in AWS when they do not run: check-db-posture (PITR lag, copy age, snapshot quota),');
    print('    check-cache-posture (export age) and the prune functions');
  }

  // With alerts.slack: the message posted straight to the (local) webhook.
  const webhook = await localWebhook();
  try {
    options.secrets.put(primary, DRILL_WEBHOOK_SECRET, webhook.url);
    await run('daily-checklist (alerts.slack)', withDrillWebhook(policy));
    for (const payload of webhook.received) printSlackMessage(payload, print);
  } finally {
    await webhook.close();
  }
  return { failing: plain.result?.failing ?? [], attention: plain.result?.attention ?? [], caughtBy };
}
