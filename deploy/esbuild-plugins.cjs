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

module.exports = [zodEnglishOnly, sdkPackageVersionOnly];
