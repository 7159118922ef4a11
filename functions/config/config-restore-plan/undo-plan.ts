// Plans the undo of a configuration restore ({"undo": "<execution name>"}): finds that run's evidence in
// this region's reports bucket (evidence/<configuration>/<yyyy>/<mm>/<execution>.json), checks it is a real
// run that wrote this region, and, per name it wrote, whether the name is still at the version the run made
// (DescribeSecret's AWSCURRENT; the parameter's version, read without decryption). Those are undone; one
// changed since is left alone and reported; a parameter the run created has nothing to go back to (the
// functions may not delete: its delete-parameter command is in the evidence); the recovery runbooks' own
// parameters (maintenance mode, endpoints) are left to them, as by a restore, and named in the run.
// Names and versions only.

import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { DescribeSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { ConfigRestoreRun, UndoPlan, Written } from '../../../shared/config/restore-run.js';
import { REPORT_PREFIX } from '../../../shared/contracts.js';
import { errorName, InvalidInput } from '../../../shared/errors.js';
import type { RegionRole } from '../../../shared/policy/resources.js';
import type { Policy } from '../../../shared/policy/schema.js';
import type { Log } from '../../../shared/runtime/log.js';
import { checkRegion, runbookParameters, type ExecutionInput } from './plan.js';

export interface UndoPlanDeps {
  readonly policy: Policy;
  readonly role: RegionRole;
  /** S3 of the machine's region and its reports bucket (the evidence). */
  readonly s3: S3Client;
  readonly reportsBucket: string;
  readonly ssm: SSMClient;
  readonly secrets: SecretsManagerClient;
  readonly log: Log;
  readonly now: () => number;
}

const EVIDENCE_SCHEMA = 'backup-dr/config-restore-evidence/v1';

interface UndoneEvidence {
  readonly schema?: unknown;
  readonly outcome?: unknown;
  readonly run?: Pick<ConfigRestoreRun, 'runId' | 'configuration' | 'bundle' | 'target' | 'dryRun'> | null;
  readonly written?: readonly Written[];
}

/** The key of a run's evidence: under the configuration named, else under each of the policy's. */
async function findEvidence(deps: UndoPlanDeps, execution: string, configuration: string | undefined): Promise<string> {
  const names = configuration === undefined ? deps.policy.resources.configuration.map((c) => c.name) : [configuration];
  for (const name of names) {
    let token: string | undefined;
    do {
      const page = await deps.s3.send(new ListObjectsV2Command({ Bucket: deps.reportsBucket, Prefix: `${REPORT_PREFIX.evidence}${name}/`, ...(token === undefined ? {} : { ContinuationToken: token }) }));
      const found = page.Contents?.find((o) => o.Key?.endsWith(`/${execution}.json`) === true)?.Key;
      if (found !== undefined) return found;
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }
  throw new InvalidInput('undo', `no evidence of a configuration restore named "${execution}" in s3://${deps.reportsBucket}/${REPORT_PREFIX.evidence} (the execution's name, as the Step Functions console shows it, in this region)`);
}

type Check = 'undo' | 'changed' | 'already';

async function parameterCheck(ssm: SSMClient, w: Written): Promise<Check> {
  try {
    const current = (await ssm.send(new GetParameterCommand({ Name: w.name }))).Parameter?.Version;
    return current === w.newVersion ? 'undo' : 'changed';
  } catch (error) {
    if (errorName(error) === 'ParameterNotFound') return 'changed';
    throw error;
  }
}

async function secretCheck(client: SecretsManagerClient, w: Written): Promise<Check> {
  const stages = (await client.send(new DescribeSecretCommand({ SecretId: w.name }))).VersionIdsToStages ?? {};
  const current = Object.entries(stages).find(([, labels]) => labels.includes('AWSCURRENT'))?.[0];
  if (current === w.newVersion) return 'undo';
  return current === w.previousVersion ? 'already' : 'changed';
}

export async function planUndo(deps: UndoPlanDeps, input: ExecutionInput & { undo: string }, runId: string): Promise<ConfigRestoreRun> {
  if (input.versionId !== undefined) throw new InvalidInput('versionId', 'an undo writes back the versions its run recorded: give no versionId');
  checkRegion(deps.policy, deps.role, input.region);
  const key = await findEvidence(deps, input.undo, input.configuration);
  const text = (await (await deps.s3.send(new GetObjectCommand({ Bucket: deps.reportsBucket, Key: key }))).Body?.transformToString('utf8')) ?? '';
  let evidence: UndoneEvidence;
  try {
    evidence = JSON.parse(text) as UndoneEvidence;
  } catch {
    throw new InvalidInput('undo', `s3://${deps.reportsBucket}/${key} is not JSON`);
  }
  const run = evidence.run;
  if (evidence.schema !== EVIDENCE_SCHEMA || run === null || run === undefined) throw new InvalidInput('undo', `s3://${deps.reportsBucket}/${key} is not the evidence of a planned configuration restore`);
  if (run.dryRun) throw new InvalidInput('undo', `"${input.undo}" was a dry run: it wrote nothing to undo`);
  if (run.target.region !== deps.policy.regions[deps.role]) throw new InvalidInput('undo', `"${input.undo}" wrote ${run.target.region}: undo it with that region's state machine`);
  const steps: UndoPlan['steps'] = {};
  const changedSince: string[] = [];
  const created: string[] = [];
  const write = { parameter: [] as string[], secret: [] as string[] };
  let already = 0;
  // The runbooks' own parameters are never written back, by an undo either: putting back maintenance mode or
  // an endpoint as a restore found it would undo what a runbook did since (or is doing) — reported instead.
  const owned = runbookParameters(deps.policy);
  const leftToRunbooks: string[] = [];
  for (const w of evidence.written ?? []) {
    if (w.kind === 'parameter' && owned.has(w.name)) {
      leftToRunbooks.push(w.name);
      continue;
    }
    if (w.previousVersion === null) {
      created.push(w.name);
      continue;
    }
    const check = w.kind === 'parameter' ? await parameterCheck(deps.ssm, w) : await secretCheck(deps.secrets, w);
    if (check === 'changed') changedSince.push(w.name);
    else if (check === 'already') already += 1;
    else {
      steps[w.name] = { restoreVersion: w.previousVersion, undoneVersion: w.newVersion };
      write[w.kind].push(w.name);
    }
  }
  const plan: ConfigRestoreRun = {
    runId,
    configuration: run.configuration,
    bundle: run.bundle,
    target: run.target,
    dryRun: input.dryRun ?? true,
    plannedAt: deps.now(),
    parameters: { write: write.parameter, added: [], liveOnly: [], unchanged: 0 },
    secrets: { write: write.secret, added: [], liveOnly: [], unchanged: already },
    remaining: write.parameter.length + write.secret.length,
    cursor: 0,
    throttled: 0,
    written: [],
    skipped: [],
    failed: [],
    ...(leftToRunbooks.length === 0 ? {} : { leftToRunbooks }),
    undo: { of: input.undo, evidenceKey: key, steps, changedSince, created },
  };
  deps.log.info('configuration undo planned', { runId, of: input.undo, configuration: run.configuration, toUndo: plan.remaining, changedSince: changedSince.length, created: created.length, leftToRunbooks, dryRun: plan.dryRun });
  return plan;
}
