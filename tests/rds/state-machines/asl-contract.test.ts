import { describe, expect, it } from 'vitest';
import type { AslState } from '../../../sandbox/step-functions/asl.js';
import { readDefinition, RESTORE_TEST_MACHINES, restoreTestDefinition } from '../../../state-machines/rds/restore-test.js';
import { itKeepsTheAslContract, LAMBDA_ERRORS } from '../../helpers/asl-contract.js';
import { teamPolicy } from '../../helpers/runtime.js';

const POLICY = teamPolicy();
it('bounds the execution by the policy: the wait, teardown\'s wait as long again, and 2 h for the rest', () => {
  const policy = teamPolicy((d) => {
    d.resources.databases[0].restoreTest.timeout = '90min';
  });
  const definition = restoreTestDefinition('snapshot', policy);
  expect(definition.States.Teardown?.Retry?.find((r) => r.ErrorEquals.includes('TeardownNotReady'))?.MaxAttempts).toBe(90);
  expect(definition.TimeoutSeconds).toBe(90 * 60 + 90 * 60 + 2 * 3600);
});

/** The definition file as written, and each state machine made from it. */
const DEFINITIONS = [
  ['restore-test.asl.json (as written)', readDefinition()],
  ...Object.entries(RESTORE_TEST_MACHINES).map(([name, kind]) => [name, restoreTestDefinition(kind, POLICY)] as const),
] as const;

describe.each(DEFINITIONS)('state machine %s', (_name, definition) => {
  const tasks = Object.entries(definition.States).filter(([, s]) => s.Type === 'Task');

  itKeepsTheAslContract(definition);

  it('succeeds only on a verdict whose outcome is "passed"; an inconclusive one ends with its own error', () => {
    expect((definition.States['Passed?'] as AslState).Choices).toEqual([{ Variable: '$.verdict.outcome', StringEquals: 'passed', Next: 'Passed' }]);
    expect(definition.States['Passed?']?.Default).toBe('Notify');
    expect(definition.States.Notify?.Next).toBe('Inconclusive?');
    expect(definition.States.Inconclusive).toMatchObject({ Type: 'Fail', Error: 'RestoreTestInconclusive' });
    expect(definition.States['Inconclusive?']?.Default).toBe('Failed');
  });

  it('retries Teardown on TeardownNotReady every minute with a bounded budget, and otherwise only on throttling', () => {
    const retries = (definition.States.Teardown as AslState).Retry ?? [];
    const notReady = retries.find((r) => r.ErrorEquals.includes('TeardownNotReady'));
    expect(notReady).toMatchObject({ IntervalSeconds: 60, BackoffRate: 1 });
    expect(notReady?.MaxAttempts).toBeGreaterThan(0);
    expect(retries.flatMap((r) => r.ErrorEquals).filter((e) => !LAMBDA_ERRORS.includes(e)).sort()).toEqual(['TeardownNotReady', 'Throttling', 'ThrottlingException']);
  });

  it('reaches Teardown from every state that can fail after a restore was planned', () => {
    for (const [name, state] of tasks) {
      if (['Teardown', 'Record', 'Notify', 'Plan'].includes(name)) continue;
      expect(state.Catch?.at(-1)?.Next, name).toBe('Restored anything?');
    }
    expect((definition.States['Restored anything?'] as AslState).Choices).toEqual([{ Variable: '$.plan', IsPresent: true, Next: 'Teardown' }]);
  });
});
