// deploy/plugin.cjs on a compiled template, without packaging: it gives every Scheduler schedule the
// dead-letter queue and retry policy neither osls nor serverless-step-functions can express, keeps what
// a schedule already has, and refuses to package a schedule or an EventBridge rule target left without
// a dead-letter queue and a retry policy; and with no function to bundle (the archive region) it gives
// serverless-esbuild the empty work folder that plugin moves after packaging.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const Plugin = require('../../deploy/plugin.cjs') as new (serverless: unknown) => { hooks: Record<string, () => void> };

const SETTINGS = {
  DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['ScheduleDeadLetterQueue', 'Arn'] } },
  RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
};

function finalize(resources: Record<string, any>, scheduleTarget: unknown = SETTINGS): Record<string, any> {
  const serverless = {
    service: { provider: { compiledCloudFormationTemplate: { Resources: resources } }, custom: { backupDr: { scheduleTarget } } },
    classes: { Error },
  };
  new Plugin(serverless).hooks['before:package:finalize']!();
  return resources;
}

const schedule = (target: Record<string, unknown> = {}) => ({ Type: 'AWS::Scheduler::Schedule', Properties: { Target: { Arn: 'arn:aws:lambda:x', RoleArn: 'r', ...target } } });
const rule = (target: Record<string, unknown>) => ({ Type: 'AWS::Events::Rule', Properties: { Targets: [{ Arn: 'arn:aws:lambda:x', Id: 't', ...target }] } });
const ruleFailures = { DeadLetterConfig: { Arn: 'arn:aws:sqs:x' }, RetryPolicy: { MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 60 } };

describe('deploy/plugin.cjs', () => {
  it("gives every schedule the deployment's dead-letter queue and retry policy, keeping what it already has", () => {
    const own = { DeadLetterConfig: { Arn: 'arn:aws:sqs:own' } };
    const resources = finalize({ A: schedule(), B: schedule(own), R: rule(ruleFailures) });
    expect(resources.A.Properties.Target).toMatchObject(SETTINGS);
    expect(resources.B.Properties.Target).toMatchObject({ ...own, RetryPolicy: SETTINGS.RetryPolicy });
    // A copy per schedule: serverless-step-functions and osls rewrite objects in place.
    expect(resources.A.Properties.Target.DeadLetterConfig).not.toBe(SETTINGS.DeadLetterConfig);
  });

  it('refuses an EventBridge rule target without a dead-letter queue or retry policy, naming it', () => {
    expect(() => finalize({ Lonely: rule({ RetryPolicy: ruleFailures.RetryPolicy }) })).toThrow(/without a dead-letter queue and retry policy: Lonely/);
    expect(() => finalize({ Untried: rule({ DeadLetterConfig: ruleFailures.DeadLetterConfig }) })).toThrow(/Untried/);
  });

  it('refuses schedules when the deployment names no dead-letter queue for them', () => {
    expect(() => finalize({ A: schedule() }, null)).toThrow(/A: the deployment names no dead-letter queue for its schedules/);
  });

  it("creates serverless-esbuild's empty .esbuild/.serverless only when there is no function (the archive region)", () => {
    const serviceDir = mkdtempSync(join(tmpdir(), 'backup-dr-plugin-'));
    try {
      const artifacts = (functions: Record<string, unknown>) => {
        const serverless = { config: { serviceDir }, service: { functions, provider: { compiledCloudFormationTemplate: { Resources: {} } }, custom: {} }, classes: { Error } };
        new Plugin(serverless).hooks['before:package:createDeploymentArtifacts']!();
      };
      artifacts({ janitor: { handler: 'functions/platform/janitor/handler.handler' } });
      expect(existsSync(join(serviceDir, '.esbuild'))).toBe(false);
      artifacts({});
      expect(existsSync(join(serviceDir, '.esbuild', '.serverless'))).toBe(true);
    } finally {
      rmSync(serviceDir, { recursive: true, force: true });
    }
  });
});
