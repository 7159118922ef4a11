// Runs a state machine definition locally: the `Fn::GetAtt` references that packaging resolves at deploy
// time become plain Lambda ARNs, and each Task is bound to a handler (aws-local-stepfunctions).

import { readFileSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import { StateMachine } from 'aws-local-stepfunctions';
import type { AslDefinition } from '../../state-machines/asl.js';
import { lambdaContext, LOCAL_ACCOUNT, localFunctionArn } from '../lambda-context.js';

export type { AslDefinition, AslState } from '../../state-machines/asl.js';
export const functionArn = localFunctionArn;

function resolveGetAtt(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolveGetAtt);
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const getAtt = record['Fn::GetAtt'];
    if (Array.isArray(getAtt) && getAtt[1] === 'Arn' && typeof getAtt[0] === 'string') return functionArn(getAtt[0]);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, resolveGetAtt(v)]));
  }
  return value;
}

/** The ASL file as written (with Fn::GetAtt), parsed. */
export function readAsl(path: string): AslDefinition {
  return JSON.parse(readFileSync(path, 'utf8')) as AslDefinition;
}

/** The definition with every Fn::GetAtt replaced by a Lambda ARN string, as Step Functions would see it. */
export function resolvedAsl(definition: AslDefinition): AslDefinition {
  return resolveGetAtt(definition) as AslDefinition;
}

/** The logical function name each Task state invokes. */
export function taskFunctions(definition: AslDefinition): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    const getAtt = (state.Resource as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
    if (state.Type === 'Task' && getAtt !== undefined) out[name] = getAtt[0];
  }
  return out;
}

export type LambdaLike = (event: never, context: Context) => Promise<unknown>;
export type LocalTask = (input: unknown) => Promise<unknown>;

/** Runs a real Lambda handler as a local Task (its event is the Task's effective input). */
export function asTask(name: string, handler: LambdaLike): LocalTask {
  return async (input) => handler(input as never, lambdaContext(name));
}

export interface LocalRun {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output: unknown;
  readonly error?: { name: string; message: string };
  readonly states: readonly string[];
}

/**
 * Executes a definition (as generated, with Fn::GetAtt) with every Task bound to a local function (by the
 * logical function name it invokes), retry pauses and Wait states skipped, and returns how it ended and which states it
 * entered, in order.
 */
export async function runLocally(source: AslDefinition, input: unknown, tasks: Readonly<Record<string, LocalTask>>, options: { onState?: (name: string) => void; executionName?: string } = {}): Promise<LocalRun> {
  const definition = resolvedAsl(source);
  const byFunction = taskFunctions(source);
  const taskResourceLocalHandlers: Record<string, LocalTask> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  for (const [state, fn] of Object.entries(byFunction)) {
    const task = tasks[fn];
    if (task === undefined) throw new Error(`no local handler for function ${fn} (state "${state}")`);
    taskResourceLocalHandlers[state] = task;
    retryIntervalOverrides[state] = 0;
  }
  // Wait states pass at once too: a test moves its own clock (or its stand-ins' state) in onState.
  const waitTimeOverrides = Object.fromEntries(Object.entries(definition.States).filter(([, state]) => state.Type === 'Wait').map(([name]) => [name, 0]));
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: true, checkPaths: true } });
  // The context object's execution name and ARN ($$.Execution.Name, $$.Execution.Id), as Step Functions gives them.
  const name = options.executionName ?? 'local-execution';
  const context = { Execution: { Name: name, Id: `arn:aws:states:ap-northeast-1:${LOCAL_ACCOUNT}:execution:local:${name}` } };
  const execution = machine.run(input as never, { overrides: { taskResourceLocalHandlers: taskResourceLocalHandlers as never, retryIntervalOverrides, waitTimeOverrides }, context });
  const states: string[] = [];
  let failure: { name: string; message: string } | undefined;
  const logs = (async () => {
    for await (const event of execution.eventLogs) {
      const e = event as { type?: string; state?: { name?: string }; Error?: string; Cause?: unknown };
      if (e.type === 'StateEntered' && e.state?.name !== undefined) {
        states.push(e.state.name);
        options.onState?.(e.state.name);
      }
      if (e.type === 'ExecutionFailed') failure = { name: e.Error ?? 'Error', message: typeof e.Cause === 'string' ? e.Cause : JSON.stringify(e.Cause ?? '') };
    }
  })();
  try {
    const output = await execution.result;
    await logs.catch(() => undefined);
    return { status: 'SUCCEEDED', output, states };
  } catch (error) {
    await logs.catch(() => undefined);
    const e = error as { name?: string; message?: string };
    return { status: 'FAILED', output: null, error: failure ?? { name: e.name ?? 'Error', message: e.message ?? '' }, states };
  }
}
