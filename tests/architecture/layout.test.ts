// The layout the code keeps as components are added (README, "Architecture"): the component is the
// second level of functions/, shared/, state-machines/ and tests/; no function folder imports from
// another (what two steps share lives in shared/<component>/); every step has a thin handler; no file
// in deploy/ grows past 400 lines; and the naming contracts (prefixes, report paths, environment
// variable names, tag keys, RDS event ids) are written once, in shared/contracts.ts.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const COMPONENTS = ['rds', 'redis', 'media', 'config', 'platform'];

function files(dir: string, ext = /\.(ts|cjs)$/): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...files(path, ext));
    else if (ext.test(entry.name)) out.push(path);
  }
  return out;
}

const dirs = (dir: string) => readdirSync(join(ROOT, dir)).filter((name) => statSync(join(ROOT, dir, name)).isDirectory());

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);
}

/** Relative module specifiers of a file's imports and exports (static and dynamic). */
function imports(file: string): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text);
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] !== undefined && ts.isStringLiteral(node.arguments[0])) found.push(node.arguments[0].text);
    ts.forEachChild(node, visit);
  };
  visit(parse(file));
  return found.filter((spec) => spec.startsWith('.'));
}

/** Every string the code writes (literals and the text parts of template literals), comments excluded. */
function strings(file: string): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) found.push(node.text);
    ts.forEachChild(node, visit);
  };
  visit(parse(file));
  return found;
}

/** "functions/rds/take-db-snapshot" for a file inside it. */
const functionFolder = (file: string) => file.split('/').slice(0, 3).join('/');

describe('layout by component', () => {
  it('puts a component at the second level of functions/, shared/, state-machines/ and tests/', () => {
    expect(dirs('functions').filter((d) => !COMPONENTS.includes(d))).toEqual([]);
    expect(dirs('state-machines').filter((d) => !COMPONENTS.includes(d))).toEqual([]);
    const generic = ['alerts', 'aws', 'policy', 'retention', 'runtime', 'schedule', 'time'];
    expect(dirs('shared').filter((d) => !COMPONENTS.includes(d) && !generic.includes(d))).toEqual([]);
    expect(dirs('tests').filter((d) => COMPONENTS.includes(d))).toContain('rds');
  });

  it('gives every step of a component a folder with a handler', () => {
    for (const component of dirs('functions')) {
      for (const step of dirs(join('functions', component))) {
        expect(readdirSync(join(ROOT, 'functions', component, step)), `functions/${component}/${step}`).toContain('handler.ts');
      }
    }
  });

  it('has no import from one function folder into another', () => {
    const crossings: string[] = [];
    for (const file of files('functions')) {
      for (const spec of imports(file)) {
        const target = relative(ROOT, resolve(ROOT, dirname(file), spec));
        if (target.startsWith('functions/') && functionFolder(target) !== functionFolder(file)) crossings.push(`${file} → ${target}`);
      }
    }
    expect(crossings).toEqual([]);
  });

  it('keeps what runs only on a developer machine out of what is bundled into a Lambda', () => {
    const local = ['sandbox/', 'drill/', 'cli/', 'bench/', 'deploy/', 'tests/', 'state-machines/'];
    const leaks: string[] = [];
    for (const file of [...files('functions'), ...files('shared')]) {
      for (const spec of imports(file)) {
        const target = relative(ROOT, resolve(ROOT, dirname(file), spec));
        if (local.some((dir) => target.startsWith(dir))) leaks.push(`${file} → ${target}`);
      }
    }
    expect(leaks).toEqual([]);
  });

  it('keeps every file in deploy/ under 400 lines', () => {
    const long = files('deploy').map((file) => [file, readFileSync(join(ROOT, file), 'utf8').split('\n').length] as const).filter(([, lines]) => lines > 400);
    expect(long).toEqual([]);
  });

  it('writes each naming contract once, in shared/contracts.ts', () => {
    const contracts: [string, RegExp][] = [
      ['restore instance prefix', /^bdr-/],
      ['report path', /(^|\/)(evidence|manifests|replication)\//],
      ['environment variable name', /^(REGION_ROLE|ALERTS_TOPIC_ARN|POLICY_FILE|REPORTS_BUCKET|MANIFEST_BUCKET|DB_TLS)$/],
      ['tag key', /^backup-dr:[a-z-]+$/],
      ['RDS event id', /^RDS-EVENT-/],
      ['metrics namespace', /^BackupDR$/],
    ];
    const repeated: string[] = [];
    for (const file of [...files('functions'), ...files('shared'), ...files('deploy')]) {
      if (file === join('shared', 'contracts.ts')) continue;
      for (const text of strings(file)) {
        for (const [what, pattern] of contracts) if (pattern.test(text)) repeated.push(`${file}: ${what} "${text}"`);
      }
    }
    expect(repeated).toEqual([]);
  });
});
