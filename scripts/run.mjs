// npm run <command> [-- args]: runs the command from dist/cli.mjs, a bundle of the TypeScript
// sources (scripts/commands.ts) that esbuild rebuilds here whenever a file it was built from
// changed. Loading the sources through tsx costs each process ~0.4 s (docs/design.md §6).
// Plain JavaScript: it must run before anything is built.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const manifest = join(dist, 'inputs.json');
const ENTRIES = { cli: 'scripts/commands.ts', 'job-worker': 'scripts/job-worker.ts' };
// Besides the sources: this file (the build's options), the installed packages, the project's settings.
const ALSO = ['scripts/run.mjs', 'node_modules/.package-lock.json', 'package.json', 'tsconfig.json'];

/** The inputs' contents, hashed: an mtime can stay old (cp -p, rsync -a, tar) or be coarse. */
const digest = (files) => {
  const h = createHash('sha256');
  for (const f of files) {
    h.update(f);
    h.update('\0');
    h.update(existsSync(join(root, f)) ? readFileSync(join(root, f)) : '(none)');
    h.update('\0');
  }
  return h.digest('hex');
};

/** The bundle is current when both outputs exist and every input is as it was when it was built. */
const current = () => {
  try {
    const m = JSON.parse(readFileSync(manifest, 'utf8'));
    return Object.keys(ENTRIES).every((e) => existsSync(join(dist, `${e}.mjs`))) && m.digest === digest(m.inputs);
  } catch {
    return false; // no bundle yet
  }
};

const rebuild = async () => {
  const { build } = await import('esbuild');
  // Built apart and renamed into place, the manifest last: two processes building at once each move whole files.
  mkdirSync(dist, { recursive: true });
  const tmp = mkdtempSync(join(dist, '.build-'));
  try {
    const r = await build({
      absWorkingDir: root,
      entryPoints: ENTRIES,
      outdir: tmp,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      // The packages too: one file loads faster than node_modules' many (0.17 s against 0.25 s).
      banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
      platform: 'node',
      format: 'esm',
      target: 'node20',
      metafile: true,
      logLevel: 'error',
    });
    const inputs = [...Object.keys(r.metafile.inputs).filter((f) => !f.startsWith('node_modules/')), ...ALSO];
    // Hashed after the build: an edit made meanwhile leaves the manifest stale, so the next run rebuilds.
    const m = { digest: digest(inputs), inputs };
    for (const name of Object.keys(ENTRIES)) renameSync(join(tmp, `${name}.mjs`), join(dist, `${name}.mjs`));
    writeFileSync(join(tmp, 'inputs.json'), `${JSON.stringify(m, null, 1)}\n`);
    renameSync(join(tmp, 'inputs.json'), manifest);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
};

/** A failure of this launcher: one line and exit 70, as for any internal error (docs/design.md §6). */
const fail = (what, e) => {
  process.stderr.write(`internal error: ${what}: ${String(e?.message ?? e).split('\n')[0]}\n`);
  process.exit(70);
};

const [name = '', ...args] = process.argv.slice(2);
if (!current()) await rebuild().catch((e) => fail('cannot build dist/ from the sources', e)); // esbuild has printed the errors
const bundle = await import(pathToFileURL(join(dist, 'cli.mjs')).href).catch((e) => fail('cannot load dist/cli.mjs', e));
bundle.run(name, args);
