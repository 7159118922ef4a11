// A stand-in for the Step Functions calls backup-dr's functions make, installed on SFNClient with
// aws-sdk-client-mock, for a drill that runs one state machine from inside another and answers approvals:
//
// - StartExecution runs the state machine registered under its ARN (locally, e.g. with runLocally) in the
//   background, in the Region of the calling client. As the API reference says: a name used again with the
//   same input while that execution is open is success (the same answer, nothing started); with another
//   input, or once the execution is closed, it is ExecutionAlreadyExists. An unregistered ARN is
//   StateMachineDoesNotExist.
// - DescribeExecution: RUNNING, then SUCCEEDED or FAILED (with error and cause) as the local run ends;
//   ExecutionDoesNotExist for an ARN never started.
// - SendTaskSuccess / SendTaskFailure: answer a task token a local Task waits for (waitForTask()); a token
//   no task waits for is TaskDoesNotExist, one answered already TaskTimedOut (the task no longer waits);
//   an output that is not JSON is InvalidOutput.
//
// Under aws-sdk-client-mock no middleware runs (no retries, no credentials, no request validation).

import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  InvalidOutput,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';

const meta = { $metadata: { httpStatusCode: 400 } };

/** How a registered state machine runs: to its end, with its execution's name and Region. */
export type LocalStateMachine = (input: unknown, execution: { name: string; arn: string; region: string }) => Promise<{ status: 'SUCCEEDED' | 'FAILED'; output?: unknown; error?: { name: string; message: string } }>;

export interface StandInExecution {
  readonly arn: string;
  readonly name: string;
  readonly stateMachineArn: string;
  readonly input: string;
  readonly startedAt: number;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  stoppedAt?: number;
  output?: string;
  error?: string;
  cause?: string;
  /** Settles when the local run has ended (never rejects). */
  readonly done: Promise<void>;
}

/** What a task token was answered with. */
export type TaskAnswer = { readonly kind: 'success'; readonly output: unknown } | { readonly kind: 'failure'; readonly error: string; readonly cause: string };

export class SfnStandIn {
  readonly #machines = new Map<string, LocalStateMachine>();
  readonly #executions = new Map<string, StandInExecution>();
  readonly #waiting = new Map<string, (answer: TaskAnswer) => void>();
  readonly #answered = new Set<string>();
  /** Every call made, in order: the command and its input (for the drill's "what was touched"). */
  readonly calls: { command: string; input: unknown }[] = [];
  #mock: { restore(): void } | undefined;
  readonly #now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** Runs `machine` for StartExecution of `stateMachineArn`. */
  register(stateMachineArn: string, machine: LocalStateMachine): void {
    this.#machines.set(stateMachineArn, machine);
  }

  executions(): readonly StandInExecution[] {
    return [...this.#executions.values()];
  }

  /** The answer SendTaskSuccess or SendTaskFailure will give `token` (what a waitForTaskToken Task waits for). */
  waitForTask(token: string): Promise<TaskAnswer> {
    if (this.#waiting.has(token) || this.#answered.has(token)) throw new Error(`a task already waits for the token ${token.slice(0, 40)}`);
    return new Promise((resolve) => this.#waiting.set(token, resolve));
  }

  install(): void {
    const mock = mockClient(SFNClient);
    mock.on(StartExecutionCommand).callsFake(async (input: { stateMachineArn?: string; name?: string; input?: string }, getClient: () => SFNClient) => {
      const client = getClient();
      const region = await client.config.region();
      this.calls.push({ command: 'StartExecution', input });
      const machineArn = input.stateMachineArn ?? '';
      const machine = this.#machines.get(machineArn);
      if (machine === undefined) throw new StateMachineDoesNotExist({ message: `State Machine Does Not Exist: '${machineArn}'`, ...meta });
      const name = input.name ?? `exec-${this.#executions.size + 1}`;
      const text = input.input ?? '{}';
      const arn = `${machineArn.replace(':stateMachine:', ':execution:')}:${name}`;
      const existing = this.#executions.get(arn);
      if (existing !== undefined) {
        if (existing.status === 'RUNNING' && existing.input === text) return { executionArn: arn, startDate: new Date(existing.startedAt) };
        throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${arn}'`, ...meta });
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw Object.assign(new Error('Invalid execution input: not JSON'), { name: 'InvalidExecutionInput', ...meta });
      }
      let settle: () => void = () => undefined;
      const execution: StandInExecution = { arn, name, stateMachineArn: machineArn, input: text, startedAt: this.#now(), status: 'RUNNING', done: new Promise((resolve) => (settle = resolve)) };
      this.#executions.set(arn, execution);
      // Started, not awaited: StartExecution answers at once, the execution runs on.
      void machine(parsed, { name, arn, region })
        .then((result) => {
          execution.status = result.status;
          if (result.status === 'SUCCEEDED') execution.output = JSON.stringify(result.output ?? null);
          else Object.assign(execution, { error: result.error?.name ?? 'States.Runtime', cause: result.error?.message ?? '' });
        })
        .catch((error: unknown) => Object.assign(execution, { status: 'FAILED', error: 'States.Runtime', cause: error instanceof Error ? error.message : String(error) }))
        .finally(() => {
          execution.stoppedAt = this.#now();
          settle();
        });
      return { executionArn: arn, startDate: new Date(execution.startedAt) };
    });
    mock.on(DescribeExecutionCommand).callsFake(async (input: { executionArn?: string }) => {
      this.calls.push({ command: 'DescribeExecution', input });
      const execution = this.#executions.get(input.executionArn ?? '');
      if (execution === undefined) throw new ExecutionDoesNotExist({ message: `Execution Does Not Exist: '${input.executionArn ?? ''}'`, ...meta });
      return {
        executionArn: execution.arn,
        stateMachineArn: execution.stateMachineArn,
        name: execution.name,
        status: execution.status,
        startDate: new Date(execution.startedAt),
        input: execution.input,
        ...(execution.stoppedAt === undefined ? {} : { stopDate: new Date(execution.stoppedAt) }),
        ...(execution.output === undefined ? {} : { output: execution.output }),
        ...(execution.error === undefined ? {} : { error: execution.error, cause: execution.cause }),
      };
    });
    mock.on(SendTaskSuccessCommand).callsFake(async (input: { taskToken?: string; output?: string }) => {
      this.calls.push({ command: 'SendTaskSuccess', input: { output: input.output } });
      let output: unknown;
      try {
        output = JSON.parse(input.output ?? '');
      } catch {
        throw new InvalidOutput({ message: 'Invalid output: not JSON', ...meta });
      }
      this.#answer(input.taskToken ?? '', { kind: 'success', output });
      return {};
    });
    mock.on(SendTaskFailureCommand).callsFake(async (input: { taskToken?: string; error?: string; cause?: string }) => {
      this.calls.push({ command: 'SendTaskFailure', input: { error: input.error, cause: input.cause } });
      this.#answer(input.taskToken ?? '', { kind: 'failure', error: input.error ?? '', cause: input.cause ?? '' });
      return {};
    });
    this.#mock = mock;
  }

  /** Waits for every execution started to end. */
  async settled(): Promise<void> {
    await Promise.all([...this.#executions.values()].map((e) => e.done));
  }

  restore(): void {
    this.#mock?.restore();
    this.#mock = undefined;
  }

  #answer(token: string, answer: TaskAnswer): void {
    const waiting = this.#waiting.get(token);
    if (waiting === undefined) {
      if (this.#answered.has(token)) throw new TaskTimedOut({ message: 'Task Timed Out: the task no longer waits for an answer', ...meta });
      throw new TaskDoesNotExist({ message: 'Task Does Not Exist', ...meta });
    }
    this.#waiting.delete(token);
    this.#answered.add(token);
    waiting(answer);
  }
}
