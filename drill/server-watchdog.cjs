// Runs the drill's private PostgreSQL and makes sure it never outlives the drill: the drill holds this
// process's stdin open while it lives, and when that pipe closes — the drill stopping the server, or the
// drill dying any way at all, SIGKILL included — this stops the server (fast shutdown) and, if the drill
// is gone, removes the server's directory. When the server exits by itself, this exits too and says how.
//
// usage: node server-watchdog.cjs <dir to remove> <uid|-> <gid|-> <postgres binary> [postgres args…]
// stdout: one JSON line {"pid": <server pid>}. Exit status: the server's, or 128 + n when signal n killed it.
// fd 3, if given, is only held open (the drill's own stdout: its readers see the end once the server is gone).
// Plain CommonJS on purpose: it starts in ~50 ms with no TypeScript loader.

'use strict';
const { spawn } = require('node:child_process');
const { rmSync } = require('node:fs');
const { constants } = require('node:os');

const [dir, uid, gid, binary, ...args] = process.argv.slice(2);
const ids = uid === '-' ? {} : { uid: Number(uid), gid: Number(gid) };
const server = spawn(binary, args, { ...ids, stdio: ['ignore', 'ignore', 'inherit'] });
const say = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
say({ pid: server.pid });

let drillGone = false;
const stop = () => {
  drillGone = true;
  if (server.exitCode === null && server.signalCode === null) server.kill('SIGINT');
};
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
// Stopped by a signal of its own (the drill never sends one; an operator might): stop the server first.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, stop);

server.on('error', (error) => {
  process.stderr.write(`server-watchdog: ${error.message}\n`);
  process.exit(1);
});
server.on('exit', (code, signal) => {
  if (drillGone) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  process.exit(signal === null ? (code ?? 1) : 128 + (constants.signals[signal] ?? 0));
});
