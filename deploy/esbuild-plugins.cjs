// esbuild plugins for the Lambda bundles (custom.esbuild.plugins in serverless.yml).
//
// 1. zod's locales, English only.
// zod 4 re-exports every message locale (`z.locales`, `z.core.locales`: ~64 files, ~270 KB minified,
// a quarter of each bundle) and esbuild cannot drop them because they hang off the `z` namespace.
// The service only ever uses English messages (zod installs `en` itself, from locales/en.js), so the
// locales index is replaced by one that exports `en` alone: smaller zips and ~25 % less to parse at
// every cold start. Nothing else in zod changes.
//
// 2. Each AWS SDK client imports its whole package.json (~2.3 KB: description, scripts, dependencies…)
// to read one field, `version`, for the User-Agent header. Only that field is bundled.
//
// 3. ioredis' Cluster client (built/cluster/: ~40 KB minified) is required by its index and by Redis.js
// only to hang it off `Redis.Cluster`. The Lambdas connect to one endpoint of a group without cluster
// mode (a cluster-mode group is refused by name before any connection, shared/redis/endpoint.ts), so
// the bundles get a stand-in whose constructor throws — never silently a half-working cluster client.
'use strict';

const path = require('node:path');
const fs = require('node:fs');

const zodEnglishOnly = {
  name: 'backup-dr-zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
      if (!/[\\/]node_modules[\\/]zod[\\/]v4[\\/](classic|core)[\\/]/.test(args.importer)) return undefined;
      const english = path.join(path.dirname(args.importer), '..', 'locales', 'en.js');
      if (!fs.existsSync(english)) return undefined; // a zod layout we do not know: leave it alone
      return { path: english, namespace: 'zod-locales-en' };
    });
    build.onLoad({ filter: /.*/, namespace: 'zod-locales-en' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};\n`,
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
  },
};

const sdkPackageVersionOnly = {
  name: 'backup-dr-sdk-package-version-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]@aws-sdk[\\/][^\\/]+[\\/]package\.json$/ }, (args) => {
      const { version } = JSON.parse(fs.readFileSync(args.path, 'utf8'));
      return { contents: JSON.stringify({ version }), loader: 'json' };
    });
  },
};

const ioredisWithoutCluster = {
  name: 'backup-dr-ioredis-without-cluster',
  setup(build) {
    build.onResolve({ filter: /^\.\/cluster$/ }, (args) => {
      if (!/[\\/]node_modules[\\/]ioredis[\\/]built[\\/](Redis|index)\.js$/.test(args.importer)) return undefined;
      return { path: 'ioredis-cluster', namespace: 'backup-dr-ioredis-cluster' };
    });
    build.onLoad({ filter: /.*/, namespace: 'backup-dr-ioredis-cluster' }, () => ({
      contents:
        "'use strict';\n" +
        'class ClusterNotBundled {\n' +
        "  constructor() { throw new Error('ioredis Cluster is not in this bundle: backup-dr connects to one endpoint of a group without cluster mode'); }\n" +
        '}\n' +
        'exports.default = ClusterNotBundled;\n',
      loader: 'js',
    }));
  },
};

module.exports = [zodEnglishOnly, sdkPackageVersionOnly, ioredisWithoutCluster];
