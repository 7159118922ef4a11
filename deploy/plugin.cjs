// A local osls plugin (listed after serverless-iam-roles-per-function in serverless.yml) that tidies
// what the two leave behind once every function has a role of its own:
// - osls' schedule compiler, seeing `method: scheduler`, adds scheduler.amazonaws.com to the trust
//   policy of the shared IamRoleLambdaExecution and a lambda:InvokeFunction statement to it; the
//   per-function roles are cloned from that role, so each function role would trust the Scheduler too.
//   The schedules use a role of their own (SchedulerInvokeRole), so that trust is removed.
// - the shared role itself is then referenced by nothing: it is removed rather than deployed unused
//   (with invoke rights on every scheduled function).
// And it completes the schedules: neither osls' schedule compiler (`method: scheduler`: no dead-letter
// or retry settings in its schema) nor serverless-step-functions' (a RetryPolicy only for EventBridge
// rules) can give an AWS::Scheduler::Schedule a DeadLetterConfig or a RetryPolicy, so every schedule's
// Target gets custom.backupDr.scheduleTarget (deploy/platform/failures.ts). Then it refuses to package a
// schedule or an EventBridge rule target left without a dead-letter queue and a retry policy.
// The archive region's deployment has no function at all: serverless-esbuild then bundles nothing but
// still moves its (never created) work folder's .serverless/ after packaging and fails with ENOENT, so
// the plugin creates that folder empty first (only when there is no function to bundle).
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const GLOBAL_ROLE = 'IamRoleLambdaExecution';
const SCHEDULE = 'AWS::Scheduler::Schedule';
const RULE = 'AWS::Events::Rule';

function trustsOnlyLambda(role) {
  for (const statement of role.Properties?.AssumeRolePolicyDocument?.Statement ?? []) {
    const service = statement.Principal?.Service;
    if (Array.isArray(service)) {
      statement.Principal.Service = service.filter((s) => s !== 'scheduler.amazonaws.com');
    }
  }
}

function referencesTo(template, logicalId) {
  let count = 0;
  const visit = (value, key) => {
    if (key === logicalId) return; // the resource's own entry
    if (typeof value === 'string') {
      if (value === logicalId) count += 1;
      return;
    }
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) visit(v, k);
    }
  };
  visit(template.Resources);
  visit(template.Outputs ?? {});
  return count;
}

class BackupDrPackagingPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      'before:package:createDeploymentArtifacts': () => this.emptyBundleFolder(),
      'before:package:finalize': () => {
        this.tidyRoles();
        this.completeSchedules();
        this.requireDeadLetters();
      },
    };
  }

  packagingError(message) {
    return new this.serverless.classes.Error(`backup-dr packaging failed: ${message}`);
  }

  /** Every Scheduler schedule's Target gets the dead-letter queue and retry policy the deployment names. */
  completeSchedules() {
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    const settings = this.serverless.service.custom?.backupDr?.scheduleTarget;
    for (const [logicalId, resource] of Object.entries(resources)) {
      if (resource.Type !== SCHEDULE) continue;
      if (!settings) throw this.packagingError(`${logicalId}: the deployment names no dead-letter queue for its schedules (custom.backupDr.scheduleTarget)`);
      const target = resource.Properties.Target;
      target.DeadLetterConfig ??= structuredClone(settings.DeadLetterConfig);
      target.RetryPolicy ??= structuredClone(settings.RetryPolicy);
    }
  }

  /** No trigger may fail silently: a schedule or rule target without a dead-letter queue or retry policy fails packaging. */
  requireDeadLetters() {
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    const missing = [];
    for (const [logicalId, resource] of Object.entries(resources)) {
      const targets = resource.Type === SCHEDULE ? [resource.Properties.Target] : resource.Type === RULE ? (resource.Properties.Targets ?? []) : [];
      for (const target of targets) {
        if (target?.DeadLetterConfig?.Arn === undefined || target?.RetryPolicy === undefined) missing.push(logicalId);
      }
    }
    if (missing.length > 0) throw this.packagingError(`without a dead-letter queue and retry policy: ${[...new Set(missing)].join(', ')}`);
  }

  /** No function (the archive region): give serverless-esbuild the empty folder it moves after packaging. */
  emptyBundleFolder() {
    if (Object.keys(this.serverless.service.functions ?? {}).length > 0) return;
    const serviceDir = this.serverless.config.serviceDir ?? this.serverless.config.servicePath;
    const workFolder = this.serverless.service.custom?.esbuild?.outputWorkFolder ?? '.esbuild';
    fs.mkdirSync(path.join(serviceDir, workFolder, '.serverless'), { recursive: true });
  }

  tidyRoles() {
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    const resources = template.Resources;
    for (const [logicalId, resource] of Object.entries(resources)) {
      if (resource.Type === 'AWS::IAM::Role' && logicalId !== GLOBAL_ROLE && logicalId.endsWith(GLOBAL_ROLE)) trustsOnlyLambda(resource);
    }
    if (resources[GLOBAL_ROLE] !== undefined && referencesTo(template, GLOBAL_ROLE) === 0) {
      delete resources[GLOBAL_ROLE];
    }
  }
}

module.exports = BackupDrPackagingPlugin;
