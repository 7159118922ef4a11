// The Step Functions stand-in the drill's region-failover scenario runs on: StartExecution runs the
// registered state machine in the background with the API's naming rules (same name and input while open:
// the same answer; otherwise ExecutionAlreadyExists), DescribeExecution follows it to its end, and
// SendTaskSuccess / SendTaskFailure answer the task token a waitForTaskToken Task waits for — once.

import { DescribeExecutionCommand, SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SfnStandIn } from '../../sandbox/aws/sfn-standin.js';

const MACHINE = 'arn:aws:states:ap-southeast-1:123456789012:stateMachine:backup-dr-drill-restore-configuration';
let sfn: SfnStandIn;
const client = new SFNClient({ region: 'ap-southeast-1' });

describe('SfnStandIn', () => {
  beforeEach(() => {
    sfn = new SfnStandIn();
    sfn.install();
  });
  afterEach(() => sfn.restore());

  it('runs a started execution in the background and describes it RUNNING, then as it ended', async () => {
    let finish: (ok: boolean) => void = () => undefined;
    const seen: unknown[] = [];
    sfn.register(MACHINE, async (input, execution) => {
      seen.push({ input, execution });
      return (await new Promise<boolean>((resolve) => (finish = resolve))) ? { status: 'SUCCEEDED', output: { done: true } } : { status: 'FAILED', error: { name: 'BundleTampered', message: 'checksum' } };
    });
    const started = await client.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'run-1', input: '{"dryRun":true}' }));
    const arn = `${MACHINE.replace(':stateMachine:', ':execution:')}:run-1`;
    expect(started.executionArn).toBe(arn);
    expect(seen).toEqual([{ input: { dryRun: true }, execution: { name: 'run-1', arn, region: 'ap-southeast-1' } }]);
    expect((await client.send(new DescribeExecutionCommand({ executionArn: arn }))).status).toBe('RUNNING');
    // The same name and input while it runs: the same answer, nothing started; another input: refused.
    await expect(client.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'run-1', input: '{"dryRun":true}' }))).resolves.toMatchObject({ executionArn: arn });
    await expect(client.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'run-1', input: '{}' }))).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    expect(seen).toHaveLength(1);
    finish(true);
    await sfn.settled();
    expect(await client.send(new DescribeExecutionCommand({ executionArn: arn }))).toMatchObject({ status: 'SUCCEEDED', output: '{"done":true}' });
    // Closed: the name cannot be used again, whatever the input.
    await expect(client.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'run-1', input: '{"dryRun":true}' }))).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    await client.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'run-2', input: '{}' }));
    finish(false);
    await sfn.settled();
    expect(await client.send(new DescribeExecutionCommand({ executionArn: `${arn.slice(0, -'run-1'.length)}run-2` }))).toMatchObject({ status: 'FAILED', error: 'BundleTampered', cause: 'checksum' });
  });

  it('refuses an unknown state machine and describes an unknown execution as ExecutionDoesNotExist', async () => {
    await expect(client.send(new StartExecutionCommand({ stateMachineArn: `${MACHINE}-other`, name: 'x', input: '{}' }))).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
    await expect(client.send(new DescribeExecutionCommand({ executionArn: `${MACHINE}:nope` }))).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
  });

  it('answers a waiting task token once: success with its output, failure with its error; an unknown or answered token is refused', async () => {
    const approved = sfn.waitForTask('token-1');
    await client.send(new SendTaskSuccessCommand({ taskToken: 'token-1', output: '{"approved":true,"by":"alice"}' }));
    await expect(approved).resolves.toEqual({ kind: 'success', output: { approved: true, by: 'alice' } });
    await expect(client.send(new SendTaskSuccessCommand({ taskToken: 'token-1', output: '{}' }))).rejects.toMatchObject({ name: 'TaskTimedOut' });
    await expect(client.send(new SendTaskSuccessCommand({ taskToken: 'token-9', output: '{}' }))).rejects.toMatchObject({ name: 'TaskDoesNotExist' });
    const rejected = sfn.waitForTask('token-2');
    await expect(client.send(new SendTaskSuccessCommand({ taskToken: 'token-2', output: 'not json' }))).rejects.toMatchObject({ name: 'InvalidOutput' });
    await client.send(new SendTaskFailureCommand({ taskToken: 'token-2', error: 'ApprovalRejected', cause: 'rejected by bob' }));
    await expect(rejected).resolves.toEqual({ kind: 'failure', error: 'ApprovalRejected', cause: 'rejected by bob' });
  });
});
