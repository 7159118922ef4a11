// `--inject-redis "<command>"`: a Redis command written as in redis-cli, split into its words. Kept apart
// from drill/redis.ts so that main.ts checks the arguments before it loads the drill.

/**
 * Splits a command the way redis-cli reads its input: words separated by blanks; "double quotes" with
 * backslash escapes (\" \\ \n \r \t \xHH) hold spaces; 'single quotes' are literal (\' escapes a quote).
 */
export function parseRedisCommand(text: string): string[] {
  const words: string[] = [];
  let at = 0;
  while (at < text.length) {
    while (at < text.length && /\s/.test(text[at]!)) at += 1;
    if (at >= text.length) break;
    let word = '';
    while (at < text.length && !/\s/.test(text[at]!)) {
      const quote = text[at];
      if (quote !== '"' && quote !== "'") {
        word += text[at];
        at += 1;
        continue;
      }
      at += 1;
      let closed = false;
      while (at < text.length) {
        const c = text[at]!;
        if (c === quote) {
          closed = true;
          at += 1;
          break;
        }
        if (c === '\\' && quote === "'" && text[at + 1] === "'") {
          word += "'";
          at += 2;
        } else if (c === '\\' && quote === '"' && at + 1 < text.length) {
          const next = text[at + 1]!;
          if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(at + 2, at + 4))) {
            word += String.fromCharCode(Number.parseInt(text.slice(at + 2, at + 4), 16));
            at += 4;
          } else {
            word += ({ n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' } as Record<string, string>)[next] ?? next;
            at += 2;
          }
        } else {
          word += c;
          at += 1;
        }
      }
      if (!closed) throw new Error(`unbalanced ${quote === '"' ? 'double' : 'single'} quotes in: ${text}`);
      // redis-cli wants a blank after a closing quote.
      if (at < text.length && !/\s/.test(text[at]!)) throw new Error(`closing quote must be followed by a space in: ${text}`);
    }
    words.push(word);
  }
  if (words.length === 0) throw new Error('empty command');
  return words;
}
