// failover-config-restore against aws-sdk-client-mock: the nested restore-configuration execution it
// starts (once, under the run's name; a dry run in a rehearsal) and how it reads its outcome.
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { restoreConfigurationForFailover } from '../../functions/config/failover-config-restore/failover-config-restore.js';

const MACHINE = 'arn:aws:states:ap-southeast-1:123456789012:stateMachine:backup-dr-test-restore-configuration';
const EXECUTION = 'arn:aws:states:ap-southeast-1:123456789012:execution:backup-dr-test-restore-configuration:fo-1-config-app-config';
const sfn = mockClient(SFNClient);
const deps = () => ({ sfn: new SFNClient({ region: 'ap-southeast-1' }), stateMachineArn: MACHINE });
const event = (mode: 'failover' | 'rehearsal') => ({ configuration: { resource: 'app-config' }, runId: 'fo-1', mode });

describe('failover-config-restore', () => {
  beforeEach(() => sfn.reset());

  it.each([
    ['failover', false],
    ['rehearsal', true],
  ] as const)('starts restore-configuration for a %s (dryRun %s) under the run\'s name and asks to be called again', async (mode, dryRun) => {
    sfn.on(DescribeExecutionCommand).rejects(Object.assign(new Error('none'), { name: 'ExecutionDoesNotExist' }));
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date() });
    await expect(restoreConfigurationForFailover(deps(), event(mode))).rejects.toMatchObject({ name: 'ConfigRestoreNotReady' });
    expect(sfn).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: EXECUTION });
    expect(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input).toEqual({ stateMachineArn: MACHINE, name: 'fo-1-config-app-config', input: JSON.stringify({ configuration: 'app-config', region: 'secondary', dryRun }) });
  });

  it.each([
    ['RUNNING', 'ConfigRestoreNotReady'],
    ['FAILED', 'ConfigRestoreFailed'],
    ['ABORTED', 'ConfigRestoreFailed'],
  ])('never starts a second one: %s is %s', async (status, error) => {
    sfn.on(DescribeExecutionCommand).resolves({ status: status as never });
    await expect(restoreConfigurationForFailover(deps(), event('failover'))).rejects.toMatchObject({ name: error });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('returns the execution once it succeeded', async () => {
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' });
    await expect(restoreConfigurationForFailover(deps(), event('failover'))).resolves.toEqual({ executionArn: EXECUTION, dryRun: false });
  });

  it('rethrows anything else DescribeExecution says', async () => {
    sfn.on(DescribeExecutionCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(restoreConfigurationForFailover(deps(), event('failover'))).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });
});
