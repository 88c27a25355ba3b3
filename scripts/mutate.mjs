// npm run mutate [-- DIR|FILE ...]: StrykerJS mutation testing (docs/guide.md "Mutation testing").
// Without arguments: stryker.config.json's selection (strategies, reaper, invalidation core).
// With directories or files: those, one run each, each with its own incremental file
// (reports/stryker-incremental-<path>.json), so a developer re-scores one directory in minutes.
// Plain JavaScript, like run.mjs: it only assembles Stryker's command line.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write('usage: npm run mutate [-- [--concurrency N] DIR|FILE[:START-END] ...]\n\nWithout arguments: stryker.config.json\'s files. With directories (their *.ts) or .ts files under\nmodel/ or engine/: one incremental run each, its state in reports/stryker-incremental-<path>.json.\nFILE.ts:START-END mutates those lines only, into that file\'s state.\nA target under engine/ also runs the engine tests (vitest.mutate.config.ts, MUTATE_TESTS=engine).\n\n  --concurrency N   test runners at once (default: stryker.config.json\'s 2); 1 leaves a core free\n\nexamples:\n  npm run mutate -- model/drivers\n  npm run mutate -- --concurrency 1 model/interpreter.ts model/step.ts\n');
  process.exit(0);
}
const problems = [];
const extra = [];
const ci = args.indexOf('--concurrency');
if (ci >= 0) {
  const n = args[ci + 1];
  if (!/^[1-9][0-9]*$/.test(n ?? '')) problems.push(`--concurrency: expected a positive whole number, got ${n ?? 'nothing'}`);
  else extra.push('--concurrency', n);
  args.splice(ci, 2);
}
const stryker = join(root, 'node_modules', '.bin', 'stryker');
if (args.length === 0 && problems.length === 0) process.exit(spawnSync(stryker, ['run', ...extra], { cwd: root, stdio: 'inherit' }).status ?? 1);
const targets = args.map((arg) => {
  // FILE.ts:START-END mutates those lines only (Stryker's range form), into the file's incremental state.
  const range = /^(.+\.ts):([1-9][0-9]*)-([1-9][0-9]*)$/.exec(arg);
  const a = range ? range[1] : arg;
  const path = relative(root, resolve(a));
  if (!/^(model|engine)(\/|$)/.test(path)) problems.push(`${a}: mutate code under model/ or engine/`);
  else if (!existsSync(join(root, path))) problems.push(`${a}: no such file or directory`);
  else if (statSync(join(root, path)).isFile() && !path.endsWith('.ts')) problems.push(`${a}: not a .ts file`);
  return { path, lines: range ? `:${range[2]}-${range[3]}` : '' };
});
if (problems.length) {
  for (const p of problems) process.stderr.write(`error: ${p}\n`);
  process.exit(2);
}
let worst = 0;
for (const { path, lines } of targets) {
  const glob = statSync(join(root, path)).isDirectory() ? `${path}/*.ts` : `${path}${lines}`;
  const slug = path.replace(/[^A-Za-z0-9]+/g, '-');
  process.stdout.write(`\n== ${glob}\n`);
  const r = spawnSync(stryker, ['run', '--mutate', glob, '--incremental', '--incrementalFile', `reports/stryker-incremental-${slug}.json`, '--tempDirName', `node_modules/.cache/stryker-tmp-${slug}`, '--reporters', 'clear-text,progress', ...extra], { cwd: root, stdio: 'inherit', env: { ...process.env, MUTATE_TESTS: path.startsWith('engine') ? 'engine' : 'model' } });
  worst = Math.max(worst, r.status ?? 1);
}
process.exit(worst);
