// Test doubles for the cores' dependencies: the team's policy (optionally changed), an alert sink and a
// log that record what they receive.
import { stringify } from 'yaml';
import type { Alert, AlertSink } from '../../shared/alerts/alert.js';
import { parsePolicy } from '../../shared/policy/load.js';
import type { Policy } from '../../shared/policy/schema.js';
import type { Log, LogFields } from '../../shared/runtime/log.js';
import { DEFAULT_POLICY_TEXT, mutated } from './policy-text.js';

export function teamPolicy(change?: (doc: Record<string, any>) => void): Policy {
  return parsePolicy(change === undefined ? DEFAULT_POLICY_TEXT : mutated(change));
}

export class RecordingAlerts implements AlertSink {
  readonly published: Alert[] = [];
  async publish(alert: Alert): Promise<void> {
    this.published.push(alert);
  }
}

export class RecordingLog implements Log {
  readonly lines: { level: string; message: string; fields: LogFields }[] = [];
  info(message: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'info', message, fields });
  }
  warn(message: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'warn', message, fields });
  }
  error(message: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'error', message, fields });
  }
}

export { stringify };
