// The logging surface the cores use: structured, level-named, satisfied by Powertools' Logger and by
// a capturing logger in tests. Cores never log secrets; they log ids, states and decisions.
export type LogFields = { [key: string]: unknown };

export interface Log {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}
