// The shape of an Amazon States Language definition as the project's ASL files write it (JSONPath),
// shared by the definitions' generators, packaging and the local runner. Types only.

export interface AslRetrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
}

export interface AslCatcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string;
}

export interface AslState {
  Type: string;
  Resource?: unknown;
  Parameters?: Record<string, unknown>;
  Retry?: AslRetrier[];
  Catch?: AslCatcher[];
  [key: string]: unknown;
}

export type AslDefinition = { Comment?: string; StartAt: string; TimeoutSeconds?: number; States: Record<string, AslState> } & Record<string, unknown>;
