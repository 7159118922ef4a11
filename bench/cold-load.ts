// The cold load of a Lambda bundle as the benchmark measures it: a fresh `node` (this process's
// executable) imports the handler module from the package root with the function's environment, and
// reports the wall time of the import and the CPU time it took. On a busy machine the wall time also
// counts waiting for a core; the CPU time is the work itself — what a Lambda with a fraction of a vCPU
// (256 MB) waits for. deploy/bundles.ts loadHandler is the tests' version (it also refuses the network).

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface ColdLoad {
  readonly wallMs: number;
  readonly cpuMs: number;
}

export function coldLoad(root: string, moduleFile: string, exportName: string, env: Readonly<Record<string, string>>): ColdLoad {
  const script = `
    const started = performance.now();
    const cpu = process.cpuUsage();
    import(${JSON.stringify(pathToFileURL(join(root, moduleFile)).href)}).then(
      (m) => {
        const wallMs = performance.now() - started;
        const used = process.cpuUsage(cpu);
        if (typeof m[${JSON.stringify(exportName)}] !== 'function') { process.stderr.write('${exportName} is not a function'); process.exit(3); }
        process.stdout.write(JSON.stringify({ wallMs, cpuMs: (used.user + used.system) / 1000 }));
      },
      (e) => { process.stderr.write(String(e && e.stack || e)); process.exit(2); },
    );`;
  const clean: NodeJS.ProcessEnv = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ']) if (process.env[key] !== undefined) clean[key] = process.env[key];
  const result = spawnSync(process.execPath, ['-e', script], {
    cwd: root,
    env: { ...clean, AWS_REGION: env.AWS_REGION ?? 'ap-northeast-1', AWS_EC2_METADATA_DISABLED: 'true', NODE_OPTIONS: '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (result.status !== 0) throw new Error(`loading ${moduleFile} failed (exit ${String(result.status)}): ${result.stderr}`);
  return JSON.parse(result.stdout) as ColdLoad;
}
