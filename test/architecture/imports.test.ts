// The layers of src/ (docs/ARCHITECTURE.md §1), read from the imports themselves: every import
// that leaves a folder goes to a lower layer, and no chain of imports (type imports included)
// comes back to the file it started from.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../cli/cliKit';

/** Lower numbers are lower layers; folders of one layer do not import each other. */
const LAYERS: Record<string, number> = {
  core: 0,
  data: 1,
  backends: 1, // tfjs' backends as the lab runs them: its kernels and their set-up, for the worker and the CLI
  models: 2,
  kd: 2,
  train: 3,
  export: 4, // the PyTorch export: pure text from the method and architecture tables
  worker: 5,
  cli: 5,
  state: 6,
  ui: 7,
  '': 8, // src/main.tsx, the page's entry
};

const SRC = path.join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The src files a file imports (static, `export … from`, dynamic), resolved; packages are skipped. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)|(?:^|\n)\s*import\s+['"](\.[^'"]+)['"]/g)].map(
    (m) => m[1] ?? m[2] ?? m[3],
  );
  return specs.flatMap((spec) => {
    const target = path.resolve(path.dirname(file), spec.replace(/\?.*$/, ''));
    const found = ['', '.ts', '.tsx', '/index.ts'].map((ext) => target + ext).find((candidate) => {
      try {
        return statSync(candidate).isFile();
      } catch {
        return false;
      }
    });
    return found && found.startsWith(SRC) && /\.tsx?$/.test(found) ? [found] : [];
  });
}

const folderOf = (file: string) => {
  const parts = path.relative(SRC, file).split(path.sep);
  return parts.length > 1 ? parts[0] : '';
};

const files = sourceFiles(SRC);
const graph = new Map(files.map((file) => [file, importsOf(file)]));
const rel = (file: string) => path.relative(SRC, file);

describe('the import layers of src/', () => {
  it('knows every folder and reads the imports (the walk is not vacuous)', () => {
    for (const file of files) expect(LAYERS, `folder of ${rel(file)}`).toHaveProperty([folderOf(file)]);
    const edges = [...graph.values()].reduce((n, targets) => n + targets.length, 0);
    expect(edges).toBeGreaterThan(300);
    expect(graph.get(path.join(SRC, 'train', 'runExperiment.ts'))).toContain(path.join(SRC, 'core', 'rng.ts'));
  });

  it('every import that leaves a folder goes down a layer', () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      const from = folderOf(file);
      for (const target of targets) {
        const to = folderOf(target);
        if (to !== from && !(LAYERS[to] < LAYERS[from])) upward.push(`${rel(file)} -> ${rel(target)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('no import cycle', () => {
    // Tarjan's strongly connected components: any component of more than one file is a cycle.
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    let counter = 0;
    const visit = (v: string) => {
      index.set(v, counter);
      low.set(v, counter++);
      stack.push(v);
      onStack.add(v);
      for (const w of graph.get(v) ?? []) {
        if (!index.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
      if (low.get(v) === index.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(rel(w));
        } while (w !== v);
        if (component.length > 1) cycles.push(component.sort());
      }
    };
    for (const file of files) if (!index.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });
});
