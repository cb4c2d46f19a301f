// The layering ARCHITECTURE.md draws, read from the sources: `src/` folders in the order of
// the data flow, each importing only from itself and the folders before it, with no import
// cycle between files; `src/` never imports `harness/`, `bench/` or `suites/`; and the
// library prints nothing and never exits the process.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { ROOT } from './helpers/cli.ts';

/** Bottom to top. A folder may import from the folders before it (and from itself). */
const LAYERS = [
  'errors.ts',
  'core/util',
  'core/onnx',
  'core/data',
  'core/model',
  'core/optim',
  'measure/perturb',
  'measure/metrics',
  'run/train',
  'run/tune',
  'run/experiment',
  'run/results',
  'present/report',
  'present/compare',
  'present/history',
  'runner',
  'index.ts',
  'internals.ts',
] as const;

/** The groups, in the order the data flows through them: the folder tree's first level. */
const GROUPS = ['core', 'measure', 'run', 'present'] as const;

const SRC = join(ROOT, 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Relative imports (and re-exports) of a file, resolved to paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'/gms)]
    .map((m) => m[1]!)
    .filter((s) => s.startsWith('.'))
    .map((s) => normalize(join(dirname(file), s)));
}

const layerOf = (file: string): number => {
  const parts = relative(SRC, file).split('/');
  const top = (GROUPS as readonly string[]).includes(parts[0]!) ? `${parts[0]}/${parts[1]}` : parts[0]!;
  const i = (LAYERS as readonly string[]).indexOf(top);
  if (i < 0) throw new Error(`${relative(ROOT, file)}: src/${top} is in no layer; add it to LAYERS (and to ARCHITECTURE.md's data flow)`);
  return i;
};

describe('the layering of src/', () => {
  const all = files(SRC);
  const graph = new Map(all.map((f) => [f, importsOf(f)]));

  it('reads every file and finds imports (the check can fail)', () => {
    expect(all.length).toBeGreaterThan(100);
    expect([...graph.values()].flat().length).toBeGreaterThan(300);
  });

  it('has no upward import: each folder imports only from itself and the folders below it', () => {
    const upward: string[] = [];
    for (const [file, deps] of graph)
      for (const dep of deps) {
        if (!dep.startsWith(SRC)) {
          upward.push(`${relative(ROOT, file)} -> ${relative(ROOT, dep)} (outside src/)`);
          continue;
        }
        if (layerOf(dep) > layerOf(file)) upward.push(`${relative(ROOT, file)} -> ${relative(ROOT, dep)}`);
      }
    expect(upward).toEqual([]);
  });

  it('groups every folder under core/, measure/, run/ or present/; runner/ (which runs them all) beside them', () => {
    const top = readdirSync(SRC).sort();
    expect(top).toEqual([...GROUPS, 'runner', 'errors.ts', 'index.ts', 'internals.ts'].sort());
    for (const g of GROUPS) for (const f of readdirSync(join(SRC, g))) expect(LAYERS as readonly string[], `src/${g}/${f}`).toContain(`${g}/${f}`);
  });

  it('has no import cycle between files', () => {
    const state = new Map<string, 1 | 2>();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === 2) return;
      if (state.get(f) === 1) {
        cycles.push([...path.slice(path.indexOf(f)), f].map((p) => relative(SRC, p)).join(' -> '));
        return;
      }
      state.set(f, 1);
      for (const d of graph.get(f) ?? []) if (graph.has(d)) visit(d, [...path, f]);
      state.set(f, 2);
    };
    for (const f of all) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('prints nothing and never exits: no console, process.exit, stdout or stderr in src/', () => {
    const offenders = all.filter((f) =>
      /\bconsole\.\w+\(|process\.exit\b|process\.(stdout|stderr)\.write/.test(readFileSync(f, 'utf8').replace(/\/\/.*$/gm, '')),
    );
    expect(offenders.map((f) => relative(ROOT, f))).toEqual([]);
  });
});

describe('style', () => {
  it('no line of TypeScript is longer than 160 characters, strings and markup included (the formatter cannot break those)', () => {
    const tracked = execFileSync('git', ['ls-files', '*.ts'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(tracked.length).toBeGreaterThan(100);
    // The embedded WebAssembly binary is one generated base64 line.
    const long = tracked
      .filter((f) => !f.endsWith('kernels-wasm.ts'))
      .flatMap((f) =>
        readFileSync(join(ROOT, f), 'utf8')
          .split('\n')
          .flatMap((line, i) => ([...line].length > 160 ? [`${f}:${i + 1} (${[...line].length})`] : [])),
      );
    expect(long).toEqual([]);
  });
});
