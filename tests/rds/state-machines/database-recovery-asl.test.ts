// The database-recovery definition as written and as the policy bounds it: valid ASL, deliberate
// retries, error names that exist, the approval's contract, and failure paths that tear down only what
// is not yet serving production.

import { describe, expect, it } from 'vitest';
import type { AslState } from '../../../sandbox/step-functions/asl.js';
import { databaseRecoveryDefinition, readDatabaseRecoveryDefinition } from '../../../state-machines/rds/database-recovery.js';
import { itKeepsTheAslContract } from '../../helpers/asl-contract.js';
import { teamPolicy } from '../../helpers/runtime.js';

/** request-approval's contract (issue 14): a rejection fails the task with this name; its code lives with request-approval. */
const CONTRACT_ERRORS = ['ApprovalRejected'];

it('bounds the run by the policy: the restore wait, teardown as long again, the approval timeout, 2 h for the rest', () => {
  const policy = teamPolicy((d) => {
    d.resources.databases[0].restoreTest.timeout = '90min';
    d.recovery.approvalTimeout = '30min';
  });
  const definition = databaseRecoveryDefinition(policy);
  expect(definition.States['Request approval']?.TimeoutSeconds).toBe(1800);
  expect(definition.States['Wait for instance']?.Retry?.find((r) => r.ErrorEquals.includes('RestoreNotReady'))?.MaxAttempts).toBe(95);
  for (const state of ['Tear down', 'Teardown after failure']) expect(definition.States[state]?.Retry?.find((r) => r.ErrorEquals.includes('TeardownNotReady'))?.MaxAttempts).toBe(90);
  expect(definition.TimeoutSeconds).toBe(90 * 60 + 90 * 60 + 1800 + 2 * 3600);
});

describe.each([
  ['database-recovery.asl.json (as written)', readDatabaseRecoveryDefinition()],
  ['database-recovery', databaseRecoveryDefinition(teamPolicy())],
] as const)('state machine %s', (_name, definition) => {
  itKeepsTheAslContract(definition, { contract: CONTRACT_ERRORS });

  it('asks for approval by the request-approval contract, and treats a rejection and a timeout alike', () => {
    const approval = definition.States['Request approval'] as AslState;
    expect(approval.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(approval.Parameters).toEqual({
      FunctionName: { 'Fn::GetAtt': ['requestApproval', 'Arn'] },
      Payload: { 'token.$': '$$.Task.Token', 'execution.$': '$$.Execution.Id', runbook: 'database-recovery', plan: expect.objectContaining({ 'mode.$': '$.plan.mode', 'newInstance.$': '$.plan.instanceId', 'validation.$': '$.validation.outcome' }) },
    });
    expect(approval.Catch?.[0]).toEqual({ ErrorEquals: ['ApprovalRejected', 'States.Timeout'], ResultPath: '$.rejection', Next: 'Notify rejected' });
  });

  it('tears down after a failure before the switch, and never once the application may use the new instance', () => {
    for (const name of ['Restore', 'Wait for instance', 'Validate', 'Copy tables']) expect(definition.States[name]?.Catch?.at(-1)?.Next, name).toBe('Tear down after failure');
    for (const name of ['Request approval', 'Switch endpoint', 'Retire replaced instance', 'Plan']) expect(definition.States[name]?.Catch?.at(-1)?.Next, name).toBe('Notify failure');
    expect((definition.States['Tear down after failure'] as AslState).Choices).toEqual([{ Variable: '$.plan', IsPresent: true, Next: 'Teardown after failure' }]);
  });
});
