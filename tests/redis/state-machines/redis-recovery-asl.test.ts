// The redis-recovery definition as written and as the policy bounds it: valid ASL, deliberate retries,
// error names that exist, the approval's contract, and failure paths that delete the new group only
// while the application cannot be using it.

import { describe, expect, it } from 'vitest';
import type { AslState } from '../../../sandbox/step-functions/asl.js';
import { readRedisRecoveryDefinition, redisRecoveryDefinition } from '../../../state-machines/redis/redis-recovery.js';
import { itKeepsTheAslContract } from '../../helpers/asl-contract.js';
import { teamPolicy } from '../../helpers/runtime.js';

/** request-approval's contract (issue 14): a rejection fails the task with this name; its code lives with answer-approval. */
const CONTRACT_ERRORS = ['ApprovalRejected'];

it('bounds the run by the policy: the group wait, teardown as long again, the approval timeout, 2 h for the rest', () => {
  const policy = teamPolicy((d) => {
    d.resources.caches[0].restoreTest.timeout = '90min';
    d.recovery.approvalTimeout = '30min';
  });
  const definition = redisRecoveryDefinition(policy);
  expect(definition.States['Request approval']?.TimeoutSeconds).toBe(1800);
  expect(definition.States['Wait for group']?.Retry?.find((r) => r.ErrorEquals.includes('CacheRestoreNotReady'))?.MaxAttempts).toBe(95);
  for (const state of ['Teardown after failure', 'Teardown after rejection']) expect(definition.States[state]?.Retry?.find((r) => r.ErrorEquals.includes('CacheTeardownNotReady'))?.MaxAttempts).toBe(90);
  expect(definition.TimeoutSeconds).toBe(90 * 60 + 90 * 60 + 1800 + 2 * 3600);
});

it('waits for the group as long as the cache\'s RTO where it is longer than restoreTest.timeout', () => {
  const definition = redisRecoveryDefinition(teamPolicy((d) => (d.objectives.redis.rto = '3h')));
  expect(definition.States['Wait for group']?.Retry?.find((r) => r.ErrorEquals.includes('CacheRestoreNotReady'))?.MaxAttempts).toBe(185);
  for (const state of ['Teardown after failure', 'Teardown after rejection']) expect(definition.States[state]?.Retry?.find((r) => r.ErrorEquals.includes('CacheTeardownNotReady'))?.MaxAttempts).toBe(180);
  expect(definition.TimeoutSeconds).toBe(3 * 3600 + 3 * 3600 + 3600 + 2 * 3600);
});

describe.each([
  ['redis-recovery.asl.json (as written)', readRedisRecoveryDefinition()],
  ['redis-recovery', redisRecoveryDefinition(teamPolicy())],
] as const)('state machine %s', (_name, definition) => {
  itKeepsTheAslContract(definition, { contract: CONTRACT_ERRORS });

  it('asks for approval by the request-approval contract; a rejection and a timeout both delete the new group', () => {
    const approval = definition.States['Request approval'] as AslState;
    expect(approval.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(approval.Parameters).toEqual({
      FunctionName: { 'Fn::GetAtt': ['requestApproval', 'Arn'] },
      Payload: { 'token.$': '$$.Task.Token', 'execution.$': '$$.Execution.Id', runbook: 'redis-recovery', plan: expect.objectContaining({ 'newGroup.$': '$.plan.groupId', 'verified.$': '$.plan.verified', 'validation.$': '$.validation.outcome' }) },
    });
    expect(approval.Catch?.[0]).toEqual({ ErrorEquals: ['ApprovalRejected', 'States.Timeout'], ResultPath: '$.rejection', Next: 'Teardown after rejection' });
  });

  it('deletes the new group after a failure before the switch, and never once the application may use it', () => {
    for (const name of ['Seed', 'Wait for group', 'Validate', 'Request approval']) expect(definition.States[name]?.Catch?.at(-1)?.Next, name).toBe('Tear down after failure');
    for (const name of ['Plan', 'Switch endpoint', 'Check endpoint change', 'Retire replaced group']) expect(definition.States[name]?.Catch?.at(-1)?.Next, name).toBe('Notify failure');
    expect((definition.States['Tear down after failure'] as AslState).Choices).toEqual([{ Variable: '$.plan', IsPresent: true, Next: 'Teardown after failure' }]);
  });
});
