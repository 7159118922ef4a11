// The region-failover definition as written and as the team's policy bounds it: valid ASL, every error
// it names exists in the code (or is a Step Functions / Lambda service error, or the approval contract's
// ApprovalRejected), every Task retries the Lambda service errors and no Task retries everything, and the
// policy's bounds land where they belong.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { taskFunctions, type AslDefinition } from '../../../sandbox/step-functions/asl.js';
import { allStates, REGION_FAILOVER_DEFINITION_FILE, regionFailoverDefinition } from '../../../state-machines/platform/region-failover.js';
import { itKeepsTheAslContract } from '../../helpers/asl-contract.js';
import { teamPolicy } from '../../helpers/runtime.js';

/** The approval part's (issue 14): the answer's SendTaskFailure, and check-endpoint-change's "not yet". */
const CONTRACT_ERRORS = ['ApprovalRejected', 'EndpointChangePending'];

const DEFINITIONS: [string, AslDefinition][] = [
  ['as written', JSON.parse(readFileSync(REGION_FAILOVER_DEFINITION_FILE, 'utf8')) as AslDefinition],
  ['for the team policy', regionFailoverDefinition(teamPolicy())],
];

describe.each(DEFINITIONS)('region-failover definition %s', (_name, definition) => {
  itKeepsTheAslContract(definition, { contract: CONTRACT_ERRORS, states: allStates(definition) });

  it('invokes exactly the steps the deployment gives it', () => {
    expect(new Set(Object.values(taskFunctions(definition)))).toEqual(
      new Set(['failoverAssess', 'requestApproval', 'failoverProgress', 'setMaintenanceMode', 'failoverDbRestore', 'failoverDbStatus', 'failoverConfigRestore', 'validateRestore', 'switchEndpoint', 'checkEndpointChange', 'restoreTestTeardown', 'failoverReport', 'failoverNotify', 'failoverCacheSeed', 'cacheRestoreTestStatus', 'validateCacheRestore', 'cacheRestoreTestTeardown']),
    );
  });
});

it('bounds the run by the policy: the approval, each wait and the execution', () => {
  const policy = teamPolicy((d) => {
    d.recovery.approvalTimeout = '30min';
    d.objectives.regionFailover.rto = '2h';
  });
  const definition = regionFailoverDefinition(policy);
  const state = (name: string) => allStates(definition).find(([n]) => n === name)?.[1];
  expect(state('Request approval')?.TimeoutSeconds).toBe(1800);
  expect(state('Wait for database')?.Retry?.find((r) => r.ErrorEquals.includes('RestoreNotReady'))).toMatchObject({ IntervalSeconds: 60, MaxAttempts: 125, BackoffRate: 1 });
  expect(state('Tear down database')?.Retry?.find((r) => r.ErrorEquals.includes('TeardownNotReady'))?.MaxAttempts).toBe(120);
  expect(definition.TimeoutSeconds).toBe(1800 + 2 * 7200 + 7200);
});

it('leaves the configuration branch out when the policy has no configuration', () => {
  const branches = (definition: AslDefinition) => (definition.States.Recover?.Branches as AslDefinition[]).map((b) => b.StartAt);
  // Databases first, caches second: Switch endpoints and Report read them by position.
  expect(branches(regionFailoverDefinition(teamPolicy()))).toEqual(['Databases', 'Caches', 'Configurations']);
  expect(branches(regionFailoverDefinition(teamPolicy((d) => (d.resources.configuration = []))))).toEqual(['Databases', 'Caches']);
});

it('skips approval, maintenance mode and endpoints in a rehearsal: it goes from assessment to recovery, and from recovery to teardown', () => {
  const definition = regionFailoverDefinition(teamPolicy());
  expect(definition.States['Rehearsal?']?.Choices).toEqual([{ Variable: '$.plan.mode', StringEquals: 'rehearsal', Next: 'Recover' }]);
  expect(definition.States['Rehearsal ends here?']?.Choices).toEqual([{ Variable: '$.plan.mode', StringEquals: 'rehearsal', Next: 'Tear down' }]);
  expect(definition.States['Tear down']?.Next).toBe('Tear down caches');
  expect(definition.States['Tear down caches']?.Next).toBe('Report');
  expect(definition.States['Tear down after failure']?.Next).toBe('Tear down caches after failure');
  expect(definition.States['Tear down caches after failure']?.Next).toBe('Notify');
});
