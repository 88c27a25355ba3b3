/**
 * The house of model/ (issue #22 item 7; docs/design.md §2): no file of model/ imports one that
 * imports it back, type-only imports included.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });

/** Each file's relative imports and re-exports (`import type` too), as normalized paths. */
const importsOf = (f: string, text: string): string[] =>
  [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+['"](\.[^'"]+)['"]/gm)].map((m) => normalize(join(dirname(f), m[1])));

/** Every import cycle of `graph`, each as the files around it (first file repeated at the end). */
const cyclesOf = (graph: ReadonlyMap<string, readonly string[]>): string[][] => {
  const out: string[][] = [];
  const stack: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (f: string) => {
    if (state.get(f) === 'open') {
      out.push([...stack.slice(stack.indexOf(f)), f]);
      return;
    }
    if (state.get(f) === 'done') return;
    state.set(f, 'open');
    stack.push(f);
    for (const t of graph.get(f) ?? []) visit(t);
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) visit(f);
  return out;
};

const graph = new Map(files('model').map((f) => [f, importsOf(f, readFileSync(f, 'utf8'))]));

describe('model/ imports', () => {
  it('reads the imports (the graph is not empty, and it sees a known edge)', () => {
    expect(graph.size).toBeGreaterThan(30);
    expect(graph.get(normalize('model/core/invalidate.ts'))).toContain(normalize('model/rwsem.ts'));
  });

  it('finds a cycle when there is one (the detector itself)', () => {
    expect(cyclesOf(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual([['a', 'b', 'c', 'a']]);
    expect(cyclesOf(new Map([['a', ['b']], ['b', []]]))).toEqual([]);
  });

  it('no file imports one that imports it back', () => {
    expect(cyclesOf(graph).map((c) => c.join(' -> '))).toEqual([]);
  });
});
