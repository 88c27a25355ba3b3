// npm test [-- vitest args]: the type check and the tests at once. tsc runs beside vitest instead of
// before it (tsc alone takes about 7 s of the 2-minute limit; docs/design.md §7); its report is printed after vitest's, and
// the exit code is the first failure's (tsc's, else vitest's). Plain JavaScript, like run.mjs.
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', name);

/** Run a node script; resolves to its exit code (70 if it cannot start, as run.mjs's internal errors) and why. */
const child = (args, stdio, onOutput) =>
  new Promise((done) => {
    const p = spawn(process.execPath, args, { cwd: root, stdio });
    if (onOutput) for (const s of [p.stdout, p.stderr]) s.on('data', onOutput);
    p.on('error', (e) => done({ code: 70, why: String(e.message) }));
    p.on('close', (code, signal) => done({ code: code ?? 1, why: signal ? `killed by ${signal}` : '' }));
  });

const tscOut = [];
const tsc = child([bin('typescript/bin/tsc'), '--noEmit'], ['ignore', 'pipe', 'pipe'], (d) => tscOut.push(d));
const vitest = child([bin('vitest/vitest.mjs'), 'run', ...process.argv.slice(2)], 'inherit');

const [t, v] = await Promise.all([tsc, vitest]);
process.stdout.write(Buffer.concat(tscOut));
process.stdout.write(t.code === 0 ? 'tsc --noEmit: no type errors\n' : `tsc --noEmit: failed (exit ${t.code}${t.why ? `, ${t.why}` : ''})\n`);
process.exitCode = t.code !== 0 ? t.code : v.code;
