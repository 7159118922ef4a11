// Mutants no test can kill because they change nothing a caller can observe (equivalent mutants), each
// listed with the reason. A Stryker "ignorer" plugin (stryker.config.cjs: `ignorers`), so the decision
// modules themselves carry no Stryker comments; an ignored mutant shows in the report as "Ignored" with
// its reason and does not count in the score. Each entry names the file, the kind of node the mutant
// replaces, and the exact source text of the node's parent expression (whitespace-insensitive), so it
// stops matching — and the mutant is tested again — as soon as that code changes.
//
// An ignorer sees a node, not a mutator: it ignores every mutant of that node. So only nodes whose every
// mutant is equivalent are listed (in practice: the fallback text of `?? ''` where any text reads the
// same). An equivalent mutant that shares its node with killable ones stays in the score as a survivor;
// README ("Mutation testing") lists those.

const { declareValuePlugin, PluginKind } = require('@stryker-mutator/api/plugin');

const NOT_A_DATE = 'Date.parse of any text that is not a date is NaN, as of "": the fallback text is never read';

/** @type {readonly { file: string, node: string, parent: string, reason: string }[]} */
const EQUIVALENT = [
  // functions/rds/verify-db-snapshots/plan.ts
  { file: 'functions/rds/verify-db-snapshots/plan.ts', node: 'StringLiteral', parent: "tagValue(copy.TagList, TAG.copyStartedAt) ?? ''", reason: NOT_A_DATE },
  { file: 'functions/rds/verify-db-snapshots/plan.ts', node: 'StringLiteral', parent: "tagValue(copy.TagList, TAG.copyProgress) ?? ''", reason: 'no text other than a "<percent>@<time>" tag matches the pattern: "" and any other fallback both give no match' },
  { file: 'functions/rds/verify-db-snapshots/plan.ts', node: 'StringLiteral', parent: "match?.[2] ?? ''", reason: `${NOT_A_DATE} (and a match always has group 2)` },
  { file: 'functions/rds/verify-db-snapshots/plan.ts', node: 'StringLiteral', parent: "other.Status ?? ''", reason: 'the fallback only has to be no in-flight state: "" and any other text are not in the set' },
  { file: 'functions/rds/verify-db-snapshots/plan.ts', node: 'StringLiteral', parent: "tagValue(other.TagList, TAG.verifiedAt) ?? ''", reason: NOT_A_DATE },

  // functions/rds/copy-db-snapshots/plan.ts
  { file: 'functions/rds/copy-db-snapshots/plan.ts', node: 'StringLiteral', parent: "tagValue(s.TagList, TAG.resource) ?? ''", reason: 'the fallback only has to name no database of the policy: names are never empty, and "" and any other text are not in the set' },
  { file: 'functions/rds/copy-db-snapshots/plan.ts', node: 'StringLiteral', parent: "c.Status ?? ''", reason: 'the fallback only has to be no in-flight state: "" and any other text are not in the set' },
  { file: 'functions/rds/copy-db-snapshots/plan.ts', node: 'ArrayExpression', parent: 'source.TagList ?? []', reason: 'any stand-in list reads the same: the filter drops entries without a Key, and an array of strings has none' },

  // functions/rds/check-db-posture/plan.ts
  { file: 'functions/rds/check-db-posture/plan.ts', node: 'StringLiteral', parent: "tagValue(s.TagList, TAG.scheduledAt) ?? ''", reason: NOT_A_DATE },
  { file: 'functions/rds/check-db-posture/plan.ts', node: 'StringLiteral', parent: "tagValue(s.TagList, TAG.createdAt) ?? ''", reason: NOT_A_DATE },
  { file: 'functions/rds/check-db-posture/plan.ts', node: 'StringLiteral', parent: "tagValue(s.TagList, TAG.resource) ?? ''", reason: 'the fallback only has to name no database of the policy: names are never empty, and "" and any other text are not in the set' },
  { file: 'functions/rds/check-db-posture/plan.ts', node: 'StringLiteral', parent: "snapshotsOf(db, 'secondary', copies)", reason: "snapshotsOf reads every role but 'primary' as the copies' side: '' and 'secondary' pick the same snapshots" },

  // functions/rds/check-db-anomalies/plan.ts
  { file: 'functions/rds/check-db-anomalies/plan.ts', node: 'StringLiteral', parent: "lower ?? ''", reason: 'lower is the bound of a bucket below the last one: a capture numbers its buckets 0 … bounds.length - 1, so it is always there and the fallback text is never read' },
  { file: 'functions/rds/check-db-anomalies/plan.ts', node: 'ArrayExpression', parent: 'before.content?.appendOnly ?? []', reason: 'a stand-in list names no table: tables are keyed "schema.table", and the stand-in entry has no dot' },
  { file: 'functions/rds/check-db-anomalies/plan.ts', node: 'ArrayExpression', parent: 'after.content?.appendOnly ?? []', reason: 'a stand-in list names no table: tables are keyed "schema.table", and the stand-in entry has no dot' },
  { file: 'functions/rds/check-db-anomalies/plan.ts', node: 'OptionalMemberExpression', parent: 'after.schema?.objects ?? {}', reason: 'only reached in the branch that checked after.schema !== undefined (TypeScript forgets the narrowing inside the callback): the chain never meets undefined' },
  { file: 'functions/rds/check-db-anomalies/plan.ts', node: 'OptionalMemberExpression', parent: "anomalies[0]?.detail ?? ''", reason: 'its only caller (check-db-anomalies.ts) alerts only when compareManifests found an anomaly: anomalies[0] is always there' },
  { file: 'functions/rds/check-db-anomalies/plan.ts', node: 'StringLiteral', parent: "anomalies[0]?.detail ?? ''", reason: 'its only caller (check-db-anomalies.ts) alerts only when compareManifests found an anomaly: the fallback text is never read' },

  // shared/rds/postgres/schema-diff.ts
  { file: 'shared/rds/postgres/schema-diff.ts', node: 'StringLiteral', parent: "definition ?? ''", reason: 'the fallback only has to be no descending definition: "" and any text without " increment -" read as ascending' },
  { file: 'shared/rds/postgres/schema-diff.ts', node: 'StringLiteral', parent: "tableOf(d.object, b[d.object]) ?? ''", reason: 'the fallback only has to name no missing table: tables are keyed "schema.table", and neither "" nor the stand-in text has a dot' },

  // shared/retention/apply-policy.ts
  { file: 'shared/retention/apply-policy.ts', node: 'ObjectExpression', parent: 'private readonly keys: Record<Bucket, number> = { hourly: 0, daily: 0, weekly: 0, monthly: 0, yearly: 0 };', reason: 'the starting values are never read: the first at() goes through dayKeys (lastDay starts as NaN, equal to no day), which writes daily, weekly, monthly and yearly, and at() then writes hourly' },
  { file: 'shared/retention/apply-policy.ts', node: 'ArrayExpression', parent: 'reasons: string[] = []', reason: 'scratch space whose length is set to 0 before each snapshot, the first included: its starting entries are never read' },

  // shared/rds/snapshots.ts
  { file: 'shared/rds/snapshots.ts', node: 'StringLiteral', parent: "tagValue(snapshot.TagList, TAG.createdAt) ?? ''", reason: NOT_A_DATE },
];

const normal = (text) => text.replace(/\s+/g, ' ').trim();

function sourceOf(path) {
  try {
    return path.getSource();
  } catch {
    return '';
  }
}

const ignorer = {
  shouldIgnore(path) {
    const file = String(path.hub?.file?.opts?.filename ?? '').replaceAll('\\', '/');
    const parent = path.parentPath;
    if (parent === null || parent === undefined) return undefined;
    for (const entry of EQUIVALENT) {
      if (!file.endsWith(entry.file) || path.node.type !== entry.node) continue;
      if (normal(sourceOf(parent)) === normal(entry.parent)) return `Equivalent mutant: ${entry.reason}`;
    }
    return undefined;
  },
};

exports.EQUIVALENT = EQUIVALENT;
exports.strykerPlugins = [declareValuePlugin(PluginKind.Ignore, 'equivalent-mutants', ignorer)];
