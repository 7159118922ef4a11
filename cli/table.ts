// Plain-text tables for terminal output: columns padded to their widest cell, every cell escaped so that
// a control character or ANSI sequence in it (a snapshot id, a tag) cannot fake a row or recolour the screen.
import { escapeForTerminal } from './input.js';

export function renderTable(header: readonly string[], cells: readonly (readonly string[])[]): string {
  const rows = cells.map((row) => row.map((cell) => escapeForTerminal(cell)));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
