// A local osls plugin (listed after serverless-iam-roles-per-function in serverless.yml) that tidies
// what the two leave behind once every function has a role of its own:
// - osls' schedule compiler, seeing `method: scheduler`, adds scheduler.amazonaws.com to the trust
//   policy of the shared IamRoleLambdaExecution and a lambda:InvokeFunction statement to it; the
//   per-function roles are cloned from that role, so each function role would trust the Scheduler too.
//   The schedules use a role of their own (SchedulerInvokeRole), so that trust is removed.
// - the shared role itself is then referenced by nothing: it is removed rather than deployed unused
//   (with invoke rights on every scheduled function).
'use strict';

const GLOBAL_ROLE = 'IamRoleLambdaExecution';

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
      'before:package:finalize': () => this.tidyRoles(),
    };
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
