// JSON written in pieces: the text JSON.stringify(value, null, 2) gives, passed through terminalSafeJson,
// handed to the writer a megabyte or so at a time instead of as one string. A plan of a million
// snapshots is ~50 MB of JSON; built whole, it (and its terminal-safe copy) would sit in memory at once.

import { terminalSafeJson } from './input.js';

/** About how many characters go to the writer at a time. */
const PIECE = 1 << 20;

const itself = (item: unknown): unknown => item;

/** Collects text and hands it on, made terminal-safe, in pieces of about PIECE characters. */
export class JsonPieces {
  private pending = '';

  constructor(private readonly write: (text: string) => void) {}

  /** Appends raw JSON text. */
  text(text: string): void {
    this.pending += text;
    if (this.pending.length >= PIECE) this.flush();
  }

  /**
   * Appends a value as JSON.stringify(value, null, 2) writes it at `indent` (the indentation of the line
   * it starts on): JSON data — objects, arrays, strings, numbers, booleans, null; like JSON.stringify,
   * an object leaves out undefined properties and an array writes undefined as null.
   */
  value(value: unknown, indent = ''): void {
    if (Array.isArray(value)) {
      this.array(value as readonly unknown[], itself, indent);
      return;
    }
    if (typeof value === 'object' && value !== null) {
      const inner = `${indent}  `;
      let first = true;
      for (const [key, item] of Object.entries(value)) {
        if (item === undefined) continue;
        this.text(`${first ? '{\n' : ',\n'}${inner}${JSON.stringify(key)}: `);
        this.value(item, inner);
        first = false;
      }
      this.text(first ? '{}' : `\n${indent}}`);
      return;
    }
    this.text(JSON.stringify(value));
  }

  /** Appends an array of `toJson(item)` for each item, as value() would write the mapped array (made one item at a time). */
  array<T>(items: readonly T[], toJson: (item: T) => unknown, indent = ''): void {
    if (items.length === 0) {
      this.text('[]');
      return;
    }
    const inner = `${indent}  `;
    for (let i = 0; i < items.length; i += 1) {
      this.text(i === 0 ? `[\n${inner}` : `,\n${inner}`);
      const item = toJson(items[i] as T);
      this.value(item === undefined ? null : item, inner);
    }
    this.text(`\n${indent}]`);
  }

  /** Hands on what is left. */
  flush(): void {
    if (this.pending === '') return;
    this.write(terminalSafeJson(this.pending));
    this.pending = '';
  }
}
