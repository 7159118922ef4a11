// The bridge serverless.yml reads through `${file(deploy/serverless.cjs):<name>}`. osls calls each
// exported function with { options, resolveVariable, resolveConfigurationProperty }.
//
// It loads backup-policy.yml (or the file named by BACKUP_DR_POLICY / --param="policy=FILE") and
// validates it with the project's own zod schema (shared/policy, loaded through tsx), so an invalid
// policy fails `osls package` with the bad field named; then deploy/assemble.ts composes what the
// region's role deploys from the platform modules (deploy/platform/) and the components
// (deploy/components/). A region that is neither the policy's primary, its secondary nor its archive
// region fails packaging.
// Last, it writes the policy as JSON to build/<policy name>.json (git-ignored), which every function's
// zip holds and reads at cold start (POLICY_FILE) with JSON.parse and the same schema: no YAML parser
// in any Lambda bundle.
//
// Deployment parameters that are not policy (they differ per account and region):
//   --param="validationSubnets=subnet-a,subnet-b"      where validate-restore and capture-db-manifest run
//   --param="validationSecurityGroups=sg-…[,sg-…]"     (the VPC of the databases); absent: no VPC, warned
//   --param="validationVpc=vpc-…"                      with network.egress "endpoints" (the policy's
//   --param="validationRouteTables=rtb-…[,rtb-…]"      default): the VPC endpoints the stack creates there
'use strict';

const fs = require('node:fs');
const path = require('node:path');
// tsx's scoped require compiles the TypeScript sources (and their ESM-style imports) on the fly.
const { require: tsxRequire } = require('tsx/cjs/api');

const SERVICE_DIR = path.resolve(__dirname, '..');
const DEFAULT_POLICY = 'backup-policy.yml';
/** Where the packaged policy JSON is written, relative to the service directory (git-ignored). */
const GENERATED_DIR = 'build';

let contracts;
/** The service's name (shared/contracts.ts), for the messages. */
function service() {
  contracts ??= tsxRequire('../shared/contracts.ts', __filename);
  return contracts.SERVICE;
}

/** An error osls prints as is: the message is the whole story, the stack trace only noise. */
function packagingError(message) {
  const error = new Error(message);
  error.stack = `${service()} packaging failed: ${message}`;
  return error;
}

/** The value of `--param="<name>=<value>"` (osls allows the option several times), or undefined. */
function paramValue(options, name) {
  const params = [].concat(options.param ?? []);
  for (const param of params) {
    const text = String(param);
    if (text.startsWith(`${name}=`)) return text.slice(name.length + 1).trim();
  }
  return undefined;
}

function policyArgument(options) {
  const fromEnv = process.env.BACKUP_DR_POLICY;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return fromEnv.trim();
  const fromParam = paramValue(options, 'policy');
  return fromParam !== undefined && fromParam !== '' ? fromParam : DEFAULT_POLICY;
}

const list = (text) => (text === undefined ? [] : text.split(',').map((item) => item.trim()).filter((item) => item !== ''));

function validationNetwork(options) {
  const vpcId = paramValue(options, 'validationVpc');
  return {
    subnetIds: list(paramValue(options, 'validationSubnets')),
    securityGroupIds: list(paramValue(options, 'validationSecurityGroups')),
    ...(vpcId === undefined || vpcId === '' ? {} : { vpcId }),
    routeTableIds: list(paramValue(options, 'validationRouteTables')),
  };
}

let assemble;
function loadAssemble() {
  assemble ??= tsxRequire('./assemble.ts', __filename);
  return assemble;
}

let policyLoader;
function loadPolicyLoader() {
  policyLoader ??= tsxRequire('../shared/policy/load.ts', __filename);
  return policyLoader;
}

/** build/<name of the policy file>.json: where the functions find the policy in their zip (POLICY_FILE). */
function packagedPolicyFile(policyPath) {
  // Plain characters only: the name is also a package pattern (a glob).
  const name = path.basename(policyPath).replace(/\.(ya?ml|json)$/i, '').replace(/[^A-Za-z0-9._-]/g, '-');
  return `${GENERATED_DIR}/${name}.json`;
}

/** Writes the policy JSON the functions read (whole or not at all: a concurrent packaging never reads half). */
function writePackagedPolicy(policyPath, policySource, policyFile) {
  const { json } = loadPolicyLoader().policyJson(policyPath, policySource);
  const target = path.join(SERVICE_DIR, policyFile);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temporary = `${target}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, json);
  fs.renameSync(temporary, target);
}

const cache = new Map();

/** The validated policy and the deployment for the region being packaged (memoized per process). */
async function deployment({ options, resolveVariable }) {
  const policyPath = path.resolve(SERVICE_DIR, policyArgument(options));
  const region = options.region ?? undefined;
  const stage = resolveVariable === undefined ? (options.stage ?? 'dev') : await resolveVariable('sls:stage');
  const network = validationNetwork(options);
  const key = JSON.stringify([policyPath, region, stage, network]);
  if (!cache.has(key)) {
    cache.set(
      key,
      (async () => {
        const { deploymentFromFile } = loadAssemble();
        const relative = path.relative(SERVICE_DIR, policyPath);
        const policySource = relative || policyPath;
        // Where the Lambdas find the policy in their package (POLICY_FILE): relative, with forward slashes.
        const policyFile = packagedPolicyFile(policyPath);
        let built;
        try {
          built = deploymentFromFile({
            policyPath,
            policySource,
            policyFile,
            region,
            stage,
            validationNetwork: network,
          });
          writePackagedPolicy(policyPath, policySource, policyFile);
        } catch (error) {
          throw packagingError(error instanceof Error ? error.message : String(error));
        }
        for (const warning of built.warnings) console.warn(`${service()} packaging warning: ${warning}`);
        return { ...built, policyFile };
      })(),
    );
  }
  return cache.get(key);
}

module.exports = {
  /**
   * Everything serverless.yml takes from the policy, as one object (custom.backupDr), so a failure is
   * reported once: primaryRegion (the default region), role (primary | secondary | archive), policyFile (the
   * policy as JSON, build/<name>.json relative to the service directory, packaged into every zip),
   * environment (provider.environment), functions, stateMachines and resources (deploy/assemble.ts),
   * and scheduleTarget (what deploy/plugin.cjs gives every Scheduler schedule: its dead-letter queue and
   * retry policy). A fresh copy each time: serverless-step-functions rewrites definitions in place.
   */
  deployment: async (context) => {
    const built = await deployment(context);
    return structuredClone({
      primaryRegion: built.policy.regions.primary,
      region: built.region,
      role: built.role,
      policyFile: built.policyFile,
      environment: built.environment,
      functions: built.functions,
      stateMachines: built.stateMachines,
      resources: built.resources,
      scheduleTarget: built.scheduleTarget ?? null,
    });
  },
};
