// The watch on the primary region, run in the secondary every 5 minutes (plan.ts decides): probes the
// policy's health URLs and the primary's RDS and ElastiCache APIs, counts rounds in which nothing answered
// in readiness/primary-watch.json of the secondary's reports bucket (written only over what was read, so
// two runs of one round count it once), alerts "not answering" once after failuresBeforeAlert such rounds
// and "answering again" once when it recovers, and with primaryHealth.proposeFailover starts
// region-failover — which waits for an approver — under a name derived from when the outage began.

import { DescribeReplicationGroupsCommand, type ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import type { S3Client } from '@aws-sdk/client-s3';
import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { Alert, AlertSink } from '../../../shared/alerts/alert.js';
import { readStateObject, writeStateObject } from '../../../shared/aws/state-object.js';
import { PRIMARY_WATCH_STATE_KEY, stateMachineName } from '../../../shared/contracts.js';
import { ConfigurationError, errorName } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import type { Log } from '../../../shared/runtime/log.js';
import { decideRound, INITIAL_STATE, type ProbeResult, type WatchAction, type WatchState } from './plan.js';
import { probeApi } from './probe.js';

export const SOURCE = 'watch-primary-region';
/** The runbook a failover proposal starts (deploy names it backup-dr-<stage>-region-failover). */
export const REGION_FAILOVER = 'region-failover';
/** The input of a proposed failover: a real failover (not a rehearsal); it waits for approval before acting. */
export const PROPOSAL_INPUT = { mode: 'failover' } as const;
const WRITE_ATTEMPTS = 3;

export interface WatchDeps {
  readonly policy: Policy;
  readonly stage: string;
  /** Probes a health URL (probe.ts: probeUrl with the timeout). */
  readonly probeUrl: (url: string) => Promise<ProbeResult>;
  /** The primary region's clients, with short timeouts and no retries: a probe, not a workload. */
  readonly primaryRds: RDSClient;
  readonly primaryElastiCache: ElastiCacheClient;
  /** This (the secondary) region's Step Functions, and region-failover's ARN there. */
  readonly sfn: SFNClient;
  readonly regionFailoverArn: string;
  /** This region's reports bucket (the watch's state). */
  readonly s3: S3Client;
  readonly bucket: string;
  readonly alerts: AlertSink;
  readonly log: Log;
}

export interface WatchOutcome {
  readonly counted: boolean;
  readonly failed: boolean;
  readonly state: WatchState;
  readonly actions: readonly WatchAction['kind'][];
  readonly results: readonly ProbeResult[];
}

async function readState(deps: WatchDeps): Promise<{ state: WatchState; etag: string | undefined }> {
  const read = await readStateObject(deps.s3, deps.bucket, PRIMARY_WATCH_STATE_KEY);
  if (read.text === undefined) return { state: INITIAL_STATE, etag: undefined };
  try {
    const state = JSON.parse(read.text) as WatchState;
    if (state.format !== 1 || typeof state.consecutiveFailures !== 'number' || typeof state.lastRoundAt !== 'number') throw new Error('not a watch state');
    return { state, etag: read.etag };
  } catch {
    // Garbled: counting starts again (a real outage is heard failuresBeforeAlert rounds later), overwritten over this version.
    deps.log.warn('primary watch state garbled: counting starts again', { key: PRIMARY_WATCH_STATE_KEY });
    return { state: INITIAL_STATE, etag: read.etag };
  }
}

/** Every probe of one round, at once: each URL, each database's and each cache's source in the primary. */
async function probeRound(deps: WatchDeps): Promise<ProbeResult[]> {
  const { policy } = deps;
  return Promise.all([
    ...policy.recovery!.primaryHealth.urls.map((url) => deps.probeUrl(url)),
    ...policy.resources.databases.map((db) => probeApi(`rds:${db.instanceId}`, () => deps.primaryRds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: db.instanceId })))),
    ...policy.resources.caches.map((cache) => probeApi(`elasticache:${cache.replicationGroupId}`, () => deps.primaryElastiCache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: cache.replicationGroupId })))),
  ]);
}

const iso = (ms: number) => new Date(ms).toISOString();
const failedProbes = (results: readonly ProbeResult[]) => results.map((r) => `${r.probe}: ${r.detail}`).join('; ');

function downAlert(deps: WatchDeps, action: Extract<WatchAction, { kind: 'alert-down' }>, results: readonly ProbeResult[], now: number): Alert {
  const { primary, secondary } = deps.policy.regions;
  const machine = stateMachineName(deps.stage, REGION_FAILOVER);
  const propose = deps.policy.recovery!.primaryHealth.proposeFailover;
  return {
    severity: 'critical',
    kind: 'primary-region-down',
    resource: 'primary-region',
    region: primary,
    summary: `primary region ${primary} not answering: nothing answered ${action.failures} rounds in a row since ${iso(action.since)}`,
    action:
      `Check the AWS Health Dashboard for ${primary} and the application. If the region is down, fail over: ` +
      (propose
        ? `region-failover (${machine} in ${secondary}) has been started and waits for approval — read its plan, then npx backup-dr approve|reject <execution>.`
        : `start ${machine} in ${secondary} (Step Functions console) with {"mode": "failover"}; it asks for approval before anything irreversible.`),
    source: SOURCE,
    at: now,
    details: { check: 'primary-health', failures: action.failures, since: iso(action.since), probes: failedProbes(results).slice(0, 900) },
  };
}

function upAlert(deps: WatchDeps, action: Extract<WatchAction, { kind: 'alert-up' }>, now: number): Alert {
  const { primary } = deps.policy.regions;
  return {
    severity: 'info',
    kind: 'primary-region-down',
    resource: 'primary-region',
    region: primary,
    summary: `primary region ${primary} answering again (not answering since ${iso(action.since)}, ${action.failures} rounds)`,
    action: `Nothing to do for the watch. If region-failover was started, decide whether to continue it or fail back; read its execution in Step Functions.`,
    source: SOURCE,
    at: now,
    details: { check: 'primary-health', resolved: true, since: iso(action.since) },
  };
}

/** Starts region-failover under the outage's name: started, or already there (the same outage): the name. Anything else: the error's name. */
async function propose(deps: WatchDeps, executionName: string): Promise<{ started: true } | { error: string }> {
  try {
    await deps.sfn.send(new StartExecutionCommand({ stateMachineArn: deps.regionFailoverArn, name: executionName, input: JSON.stringify(PROPOSAL_INPUT) }));
    return { started: true };
  } catch (error) {
    // The same name and input while it runs answers success; once it ended (approved, rejected, failed), ExecutionAlreadyExists: never a second one.
    if (errorName(error) === 'ExecutionAlreadyExists') return { started: true };
    return { error: errorName(error) };
  }
}

/**
 * What the proposal did, remembered over this round's state only: if a later round wrote meanwhile, it
 * proposes again itself (a no-op by name) — nothing newer is overwritten.
 */
async function rememberProposal(deps: WatchDeps, at: number, state: WatchState): Promise<void> {
  const { state: stored, etag } = await readState(deps);
  if (stored.lastRoundAt !== at || etag === undefined) return;
  await writeStateObject(deps.s3, deps.bucket, PRIMARY_WATCH_STATE_KEY, { ...stored, failoverExecution: state.failoverExecution, proposalError: state.proposalError }, etag);
}

/** One round at its scheduled time `at` (ms); `now` stamps the alerts. */
export async function watchPrimaryRegion(deps: WatchDeps, at: number, now: number): Promise<WatchOutcome> {
  const { policy } = deps;
  // Deployed only with a recovery section; a policy without one is a deployment error, said plainly.
  if (policy.recovery === undefined) throw new ConfigurationError('recovery: the policy has no recovery section, so there is no primaryHealth to watch by');
  const health = policy.recovery.primaryHealth;
  let { state: previous, etag } = await readState(deps);
  // A duplicate of a round already counted: no probe, nothing written.
  if (at <= previous.lastRoundAt) return { counted: false, failed: false, state: previous, actions: [], results: [] };
  const results = await probeRound(deps);

  for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
    const decision = decideRound({ previous, at, results, failuresBeforeAlert: health.failuresBeforeAlert, proposeFailover: health.proposeFailover });
    if (!decision.counted) return { counted: false, failed: false, state: previous, actions: [], results };
    let state = decision.state;
    const failed = state.consecutiveFailures > 0;
    // Answering as before: nothing to remember (a duplicate of an answering round changes nothing either).
    const unchanged = !failed && previous.consecutiveFailures === 0 && !previous.alerted && etag !== undefined;
    if (!unchanged && !(await writeStateObject(deps.s3, deps.bucket, PRIMARY_WATCH_STATE_KEY, state, etag))) {
      // Another run of this round (or the next) wrote first: read again and decide again — it may be a duplicate now.
      deps.log.info('primary watch state changed meanwhile: reading it again', { attempt });
      ({ state: previous, etag } = await readState(deps));
      continue;
    }
    // The round is ours: act on it.
    for (const action of decision.actions) {
      if (action.kind === 'alert-down') await deps.alerts.publish(downAlert(deps, action, results, now));
      if (action.kind === 'alert-up') await deps.alerts.publish(upAlert(deps, action, now));
      if (action.kind === 'propose-failover') {
        const outcome = await propose(deps, action.executionName);
        if ('started' in outcome) {
          state = { ...state, failoverExecution: action.executionName, proposalError: null };
          deps.log.info('region-failover proposed', { execution: action.executionName });
        } else {
          if (outcome.error !== state.proposalError) {
            await deps.alerts.publish({
              severity: 'critical',
              kind: 'primary-region-down',
              resource: 'primary-region',
              region: policy.regions.primary,
              summary: `could not start region-failover (${action.executionName}): ${outcome.error}`,
              action: `Start ${stateMachineName(deps.stage, REGION_FAILOVER)} in ${policy.regions.secondary} by hand with {"mode": "failover"} if the primary is down; the watch tries again every round.`,
              source: SOURCE,
              at: now,
              details: { check: 'failover-proposal', error: outcome.error, execution: action.executionName },
            });
          }
          state = { ...state, proposalError: outcome.error };
        }
        await rememberProposal(deps, at, state);
      }
    }
    deps.log.info('primary watch round', { failed, consecutiveFailures: state.consecutiveFailures, actions: decision.actions.map((a) => a.kind), probes: failedProbes(results) });
    return { counted: true, failed, state, actions: decision.actions.map((a) => a.kind), results };
  }
  deps.log.warn('primary watch: lost every race for its state; the next round counts again', { attempts: WRITE_ATTEMPTS });
  return { counted: false, failed: false, state: previous, actions: [], results };
}
