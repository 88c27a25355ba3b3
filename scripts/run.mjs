// npm run <command> [-- args]: runs the command from dist/cli.mjs, a bundle of the TypeScript
// sources (scripts/commands.ts) that esbuild rebuilds here whenever one of the files it was built
// from changed. Loading the sources through tsx costs each process ~0.4 s (docs/design.md §6).
// Plain JavaScript: it must run before anything is built.
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const manifest = join(dist, 'inputs.json');
// Bumped when the build below changes, so an old bundle is rebuilt.
const BUILD = 2;
const ENTRIES = { cli: 'scripts/commands.ts', 'job-worker': 'scripts/job-worker.ts' };

/** The bundle is current when it was built by this BUILD and no file it was built from changed since the build began. */
const current = () => {
  try {
    const m = JSON.parse(readFileSync(manifest, 'utf8'));
    if (m.build !== BUILD) return false;
    return m.inputs.every((f) => statSync(join(root, f)).mtimeMs <= m.started);
  } catch {
    return false; // no bundle yet, or an input is gone
  }
};

const rebuild = async () => {
  const { build } = await import('esbuild');
  // Built apart and renamed into place: two processes building at once each move whole files.
  const tmp = join(dist, `.build-${process.pid}`);
  mkdirSync(tmp, { recursive: true });
  const started = Date.now();
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
    for (const name of Object.keys(ENTRIES)) renameSync(join(tmp, `${name}.mjs`), join(dist, `${name}.mjs`));
    // An installed package's files change only with the lockfile.
    const inputs = [...Object.keys(r.metafile.inputs).filter((f) => !f.startsWith('node_modules/')), 'package-lock.json'];
    writeFileSync(join(tmp, 'inputs.json'), `${JSON.stringify({ build: BUILD, started, inputs }, null, 1)}\n`);
    renameSync(join(tmp, 'inputs.json'), manifest);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
};

const [name = '', ...args] = process.argv.slice(2);
if (!current()) {
  try {
    await rebuild();
  } catch (e) {
    // esbuild has printed the errors (a syntax error in a source file, say).
    process.stderr.write(`internal error: cannot build dist/ from the sources: ${String(e?.message ?? e).split('\n')[0]}\n`);
    process.exit(70);
  }
}
const { run } = await import(pathToFileURL(join(dist, 'cli.mjs')).href);
run(name, args);
