// Plans a restore test: checks the request, picks what to restore — the newest verified snapshot, a
// named one, a random verified one from the last 30 days, or (PITR) a point in time inside the
// replicated automated backups' window — and names the temporary instance deterministically.

import { DescribeDBInstanceAutomatedBackupsCommand, type DBSnapshot, type RDSClient } from '@aws-sdk/client-rds';
import { listOwnedSnapshots } from '../../../shared/rds/snapshots.js';
import { InvalidInput, NoRestorePoint } from '../../../shared/errors.js';
import type { DatabaseResource, Policy } from '../../../shared/policy/schema.js';
import type { RestoreKind, RestorePlan } from '../../../shared/rds/restore-run.js';
import { TAG, tagValue } from '../../../shared/tags.js';
import { parseIsoInstant } from '../../../shared/time/iso.js';
import { wallTime } from '../../../shared/time/zone.js';
import { copySourceArn } from '../copy-db-snapshots/copy-db-snapshots.js';
import { takenAt } from '../../../shared/rds/retention.js';

export interface PlanDeps {
  readonly policy: Policy;
  readonly rds: { readonly primary: RDSClient; readonly secondary: RDSClient };
  readonly now: () => number;
  /** Uniform in [0, 1): which snapshot "random-within-30d" picks. */
  readonly random: () => number;
  /** The region role of the deployment running the test: a restore happens where its state machine runs. */
  readonly role: 'primary' | 'secondary';
}

const DAY = 86_400_000;

function field(input: Record<string, unknown>, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new InvalidInput(name, 'must be a non-empty string');
  return value;
}

function resourceFor(policy: Policy, name: string | undefined, kind: RestoreKind): DatabaseResource {
  const databases = policy.resources.databases;
  const chosen = name === undefined ? databases[0] : databases.find((d) => d.name === name);
  if (chosen === undefined) {
    throw new InvalidInput('resource', name === undefined ? 'the policy protects no database' : `no database "${name}" in the policy (known: ${databases.map((d) => d.name).join(', ')})`);
  }
  if (chosen.restoreTest === undefined) throw new InvalidInput('resource', `"${chosen.name}" has no restoreTest settings in the policy`);
  if (kind === 'pitr' && chosen.pitrTest === undefined) throw new InvalidInput('resource', `"${chosen.name}" has no pitrTest settings in the policy`);
  return chosen;
}

/** "bdr-rt-app-db-202611250400": letters, digits, single hyphens, ≤ 63 characters, as RDS requires. */
function instanceIdFor(kind: RestoreKind, resource: string, at: number, timeZone: string): string {
  const w = wallTime(at, timeZone);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `bdr-${kind === 'pitr' ? 'pitr' : 'rt'}-${resource}-${w.year}${pad(w.month)}${pad(w.day)}${pad(w.hour)}${pad(w.minute)}`.slice(0, 63);
}

async function pickSnapshot(deps: PlanDeps, db: DatabaseResource, role: 'primary' | 'secondary', wanted: string): Promise<DBSnapshot> {
  const ownership = { ownerTag: deps.policy.tags.owner, policyName: deps.policy.name };
  const of = (list: DBSnapshot[], tier: string) => list.filter((s) => tagValue(s.TagList, TAG.resource) === db.name && (tagValue(s.TagList, TAG.tier) ?? 'primary') === tier && s.Status === 'available');
  const copies = of(await listOwnedSnapshots(deps.rds.secondary, ownership), 'copy');
  const verifiedCopies = copies.filter((c) => tagValue(c.TagList, TAG.verifiedAt) !== undefined);
  let candidates: DBSnapshot[];
  if (role === 'secondary') {
    candidates = wanted === 'latest' || wanted === 'random-within-30d' ? verifiedCopies : copies;
  } else {
    const primaries = of(await listOwnedSnapshots(deps.rds.primary, ownership), 'primary');
    const verifiedSources = new Set(verifiedCopies.map(copySourceArn));
    candidates = wanted === 'latest' || wanted === 'random-within-30d' ? primaries.filter((s) => verifiedSources.has(s.DBSnapshotArn)) : primaries;
  }
  candidates.sort((a, b) => takenAt(b) - takenAt(a));
  if (wanted === 'latest') {
    const newest = candidates[0];
    if (newest === undefined) throw new NoRestorePoint(`no verified snapshot of "${db.name}" in the ${role} region to restore`);
    return newest;
  }
  if (wanted === 'random-within-30d') {
    const recent = candidates.filter((s) => takenAt(s) >= deps.now() - 30 * DAY);
    const pick = recent[Math.min(recent.length - 1, Math.floor(deps.random() * recent.length))];
    if (pick === undefined) throw new NoRestorePoint(`no verified snapshot of "${db.name}" from the last 30 days in the ${role} region`);
    return pick;
  }
  const named = candidates.find((s) => s.DBSnapshotIdentifier === wanted || s.DBSnapshotArn === wanted);
  if (named === undefined) throw new InvalidInput('snapshot', `no available snapshot of ours named "${wanted}" for "${db.name}" in the ${role} region`);
  return named;
}

export async function planRestoreTest(deps: PlanDeps, kind: RestoreKind, rawInput: unknown): Promise<RestorePlan> {
  const input = (rawInput ?? {}) as Record<string, unknown>;
  if (typeof input !== 'object' || Array.isArray(input)) throw new InvalidInput('input', 'must be a JSON object');
  const allowed = kind === 'pitr' ? ['resource', 'restoreTo'] : ['resource', 'snapshot', 'region'];
  const unknown = Object.keys(input).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw new InvalidInput(unknown[0] ?? '', `unknown input field (allowed: ${allowed.join(', ')})`);
  const { policy } = deps;
  const db = resourceFor(policy, field(input, 'resource'), kind);
  const settings = db.restoreTest!;
  const now = deps.now();
  const base = {
    runId: instanceIdFor(kind, db.name, now, policy.timezone),
    instanceId: instanceIdFor(kind, db.name, now, policy.timezone),
    kind,
    resource: db.name,
    sourceInstanceId: db.instanceId,
    instanceClass: settings.instanceClass,
    ...(settings.database === undefined ? {} : { database: settings.database }),
    credentialsSecret: settings.credentialsSecret,
    plannedAt: now,
  };

  if (kind === 'pitr') {
    const pitr = db.pitrTest!;
    const requested = field(input, 'restoreTo');
    const restorePoint = requested === undefined ? now - pitr.restoreTo : parseIsoInstant(requested);
    if (restorePoint === null) throw new InvalidInput('restoreTo', 'must be an ISO-8601 time with an offset');
    const replicated = (await deps.rds.secondary.send(new DescribeDBInstanceAutomatedBackupsCommand({ DBInstanceIdentifier: db.instanceId }))).DBInstanceAutomatedBackups ?? [];
    const active = replicated.find((b) => b.Status === 'replicating' || b.Status === 'active');
    if (active?.DBInstanceAutomatedBackupsArn === undefined) throw new NoRestorePoint(`automated backups of ${db.instanceId} are not replicated to ${policy.regions.secondary}`);
    const latest = active.RestoreWindow?.LatestTime?.getTime() ?? 0;
    const earliest = active.RestoreWindow?.EarliestTime?.getTime() ?? Number.POSITIVE_INFINITY;
    if (restorePoint > latest) {
      throw new NoRestorePoint(`cannot restore to ${new Date(restorePoint).toISOString()}: the replicated backups reach only ${new Date(latest).toISOString()} (${Math.round((now - latest) / 60_000)} min behind; RPO target ${Math.round(policy.objectives.database.rpo / 60_000)} min)`);
    }
    if (restorePoint < earliest) throw new NoRestorePoint(`cannot restore to ${new Date(restorePoint).toISOString()}: earlier than the restore window`);
    return {
      ...base,
      role: 'secondary',
      region: policy.regions.secondary,
      automatedBackupsArn: active.DBInstanceAutomatedBackupsArn,
      restorePoint,
      ...(pitr.subnetGroup === undefined ? {} : { subnetGroup: pitr.subnetGroup }),
      securityGroups: pitr.securityGroups,
    };
  }

  const roleInput = field(input, 'region') ?? deps.role;
  if (roleInput !== 'primary' && roleInput !== 'secondary') throw new InvalidInput('region', 'must be "primary" or "secondary"');
  if (roleInput !== deps.role) {
    throw new InvalidInput('region', `this is the ${deps.role} region's restore-test: start the restore-test state machine in ${policy.regions[roleInput]} to restore there`);
  }
  const snapshot = await pickSnapshot(deps, db, roleInput, field(input, 'snapshot') ?? settings.snapshot);
  return {
    ...base,
    role: roleInput,
    region: policy.regions[roleInput],
    snapshotId: snapshot.DBSnapshotIdentifier ?? '',
    snapshotArn: snapshot.DBSnapshotArn ?? '',
    restorePoint: takenAt(snapshot),
    ...(settings.subnetGroup === undefined ? {} : { subnetGroup: settings.subnetGroup }),
    securityGroups: settings.securityGroups,
  };
}
