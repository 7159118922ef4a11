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

/**
 * The logical function name each Task state invokes — its Resource, or for a service integration
 * (`arn:aws:states:::lambda:invoke.waitForTaskToken`) its Parameters.FunctionName — including the Tasks
 * inside Parallel branches and Map iterators (state names are unique across a definition, as the local
 * runner binds handlers by state name).
 */
export function taskFunctions(definition: Pick<AslDefinition, 'States'>): Record<string, string> {
  const out: Record<string, string> = {};
  const getAttOf = (value: unknown) => (value as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
  for (const [name, state] of Object.entries(definition.States)) {
    const getAtt = getAttOf(state.Resource) ?? getAttOf(state.Parameters?.FunctionName);
    if (state.Type === 'Task' && getAtt !== undefined) out[name] = getAtt[0];
    const nested = [...((state.Branches as AslDefinition[] | undefined) ?? []), ...[state.Iterator, state.ItemProcessor].filter((d): d is AslDefinition => d !== undefined && d !== null)];
    for (const inner of nested) Object.assign(out, taskFunctions(inner));
  }
  return out;
}

/**
 * Task states (Parallel branches and Map iterators included) that call a Lambda through the
 * `arn:aws:states:::lambda:invoke` integration (e.g. `.waitForTaskToken`): Lambda receives their `Payload`.
 */
function invokeIntegrations(definition: Pick<AslDefinition, 'States'>): Set<string> {
  const out = new Set<string>();
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type === 'Task' && typeof state.Resource === 'string' && state.Resource.startsWith('arn:aws:states:::lambda:invoke')) out.add(name);
    const nested = [...((state.Branches as AslDefinition[] | undefined) ?? []), ...[state.Iterator, state.ItemProcessor].filter((d): d is AslDefinition => d !== undefined && d !== null)];
    for (const inner of nested) for (const n of invokeIntegrations(inner)) out.add(n);
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
/** A state's progress as the local run reports it (for a timeline): entered, retried, exited, failed. */
export interface LocalStateEvent {
  readonly type: 'StateEntered' | 'StateExited' | 'StateFailed' | 'StateRetried';
  readonly name: string;
  /** Epoch ms, as the runner stamped it. */
  readonly timestamp: number;
  /** StateFailed: the error's name. */
  readonly error?: string;
}

export interface LocalRunOptions {
  readonly onState?: (name: string) => void;
  /** Every state's entry, retry, exit and failure, in the order the runner logs them. */
  readonly onStateEvent?: (event: LocalStateEvent) => void;
  readonly executionName?: string;
  /** The Region in the execution's ARN ($$.Execution.Id): the one the state machine is deployed in (default ap-northeast-1). */
  readonly region?: string;
  /**
   * Task states that invoke no function of ours — a service integration (a nested execution with
   * `states:startExecution.sync:2`, a Lambda the policy names) — bound by state name; the local
   * function gets the Task's effective Parameters and returns what the integration would.
   */
  readonly stateTasks?: Readonly<Record<string, LocalTask>>;
}

export async function runLocally(source: AslDefinition, input: unknown, tasks: Readonly<Record<string, LocalTask>>, options: LocalRunOptions = {}): Promise<LocalRun> {
  const definition = resolvedAsl(source);
  const byFunction = taskFunctions(source);
  const taskResourceLocalHandlers: Record<string, LocalTask> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  const integrations = invokeIntegrations(source);
  for (const [state, fn] of Object.entries(byFunction)) {
    const task = tasks[fn];
    if (task === undefined) throw new Error(`no local handler for function ${fn} (state "${state}")`);
    // A lambda:invoke integration hands the function its Payload, as Lambda would.
    taskResourceLocalHandlers[state] = integrations.has(state) ? async (input) => task((input as { Payload?: unknown }).Payload) : task;
    retryIntervalOverrides[state] = 0;
  }
  for (const [state, task] of Object.entries(options.stateTasks ?? {})) {
    if (byFunction[state] !== undefined) throw new Error(`state "${state}" invokes the function ${byFunction[state]}: bind it by function, not by state`);
    taskResourceLocalHandlers[state] = task;
    retryIntervalOverrides[state] = 0;
  }
  // Wait states pass at once too: a test moves its own clock (or its stand-ins' state) in onState.
  const waitTimeOverrides = Object.fromEntries(Object.entries(definition.States).filter(([, state]) => state.Type === 'Wait').map(([name]) => [name, 0]));
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: true, checkPaths: true } });
  // The context object's execution name and id ($$.Execution.Name, .Id) as Step Functions gives them, and
  // a task token ($$.Task.Token) for the waitForTaskToken integrations (their local handler answers at once).
  const name = options.executionName ?? 'local-execution';
  const context = { Execution: { Name: name, Id: `arn:aws:states:${options.region ?? 'ap-northeast-1'}:${LOCAL_ACCOUNT}:execution:local:${name}` }, Task: { Token: `local-task-token-${name}` } };
  const execution = machine.run(input as never, { overrides: { taskResourceLocalHandlers: taskResourceLocalHandlers as never, retryIntervalOverrides, waitTimeOverrides }, context });
  const states: string[] = [];
  let failure: { name: string; message: string } | undefined;
  const logs = (async () => {
    for await (const event of execution.eventLogs) {
      const e = event as { type?: string; timestamp?: number; state?: { name?: string }; Error?: string; Cause?: unknown };
      if ((e.type === 'StateEntered' || e.type === 'StateExited' || e.type === 'StateFailed' || e.type === 'StateRetried') && e.state?.name !== undefined) {
        options.onStateEvent?.({ type: e.type, name: e.state.name, timestamp: e.timestamp ?? Date.now(), ...(e.type === 'StateFailed' && e.Error !== undefined ? { error: e.Error } : {}) });
      }
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
