// The run store: a torn last line is cut, any other bad line is an error naming file and
// line, records of another run are refused, and every number survives as itself.
import { describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunStore, STORE_FILE, StoreError } from '../../src/run/experiment/store.ts';
import { gridCells, parseShard, shardCells } from '../../src/run/experiment/grid.ts';
import { defineSuite } from '../../src/run/experiment/suite.ts';
import { acquireLock, LockedError, LOCK_FILE } from '../../src/run/experiment/lock.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'optrobust-store-'));
const failure = (optimizer: string, seed = 0, error = 'x') => ({
  kind: 'failure' as const,
  phase: 'main',
  key: { model: 'm', regime: 'standard', optimizer, seed },
  error,
});

describe('store', () => {
  it('ignores a torn final line and repairs it before the next append', () => {
    const store = new RunStore(tmp(), 'run-a');
    store.append(failure('sgd'));
    appendFileSync(store.file, '{"run":"run-a","kind":"result","res');
    expect(store.records()).toHaveLength(1);
    store.repair();
    store.append(failure('adam', 0, 'y'));
    expect(readFileSync(store.file, 'utf8').split('\n').filter(Boolean)).toHaveLength(2);
    expect(store.records().map((r) => r.key.optimizer)).toEqual(['sgd', 'adam']);
  });

  it('keeps a whole last record that only lacks its newline (a store saved by an editor), and repair restores the newline', () => {
    const store = new RunStore(tmp(), 'run-a');
    store.append(failure('sgd'));
    appendFileSync(store.file, JSON.stringify({ run: 'run-a', ...failure('adam') }));
    expect(store.records().map((r) => r.key.optimizer)).toEqual(['sgd', 'adam']);
    store.repair();
    expect(readFileSync(store.file, 'utf8').endsWith('}\n')).toBe(true);
    store.append(failure('lion'));
    expect(store.records().map((r) => r.key.optimizer)).toEqual(['sgd', 'adam', 'lion']);
  });

  it("cuts a last line without its newline that is not a whole record of this run (torn, or another run's)", () => {
    for (const tail of ['{"run":"run-a","kind":"failure","phase":"main"', JSON.stringify({ run: 'run-b', ...failure('adam') })]) {
      const store = new RunStore(tmp(), 'run-a');
      store.append(failure('sgd'));
      appendFileSync(store.file, tail);
      expect(store.records()).toHaveLength(1);
      store.repair();
      expect(readFileSync(store.file, 'utf8').split('\n')).toHaveLength(2);
    }
  });

  it('refuses a damaged line that is not the last, naming the file and line', () => {
    const store = new RunStore(tmp(), 'run-a');
    store.append(failure('sgd'));
    appendFileSync(store.file, '{"run":"run-a","kind":"fail\n');
    store.append(failure('adam'));
    expect(() => store.records()).toThrow(StoreError);
    expect(() => store.records()).toThrow(`${join(store.dir, STORE_FILE)}, line 2: not a valid record`);
  });

  it("refuses another run's records and lines that are not cell records", () => {
    const dir = tmp();
    new RunStore(dir, 'run-a').append(failure('sgd'));
    expect(() => new RunStore(dir, 'run-b').records()).toThrow(/line 1: belongs to another run \(identity "run-a", this run is run-b\)/);
    writeFileSync(join(dir, STORE_FILE), '{"run":"run-b","kind":"bogus"}\n');
    expect(() => new RunStore(dir, 'run-b').records()).toThrow(/line 1: not an optrobust cell record \(kind "bogus", phase undefined\)/);
  });

  it('keeps NaN, ±Infinity and -0 through the round trip', () => {
    const store = new RunStore(tmp(), 'r');
    const values = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 1e-45, 4294967295];
    values.forEach((seed, i) => store.append(failure(`o${i}`, seed)));
    const got = store.records().map((r) => r.key.seed);
    got.forEach((v, i) => expect(Object.is(v, values[i])).toBe(true));
  });
});

describe('run lock', () => {
  it('refuses a second writer while the owner lives, and takes over a stale lock', () => {
    const dir = tmp();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.ppid, host: hostname(), since: 'then' }));
    expect(() => acquireLock(dir)).toThrow(LockedError);
    expect(() => acquireLock(dir)).toThrow(new RegExp(`another optrobust \\(process ${process.ppid}, since then\\) is writing this run`));
    // A pid that cannot be running: the lock is stale and is taken over.
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), since: 'then' }));
    const release = acquireLock(dir);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    release();
    expect(() => readFileSync(join(dir, LOCK_FILE))).toThrow();
  });
});

describe('grid and shards', () => {
  const suite = defineSuite({
    name: 'g',
    description: '',
    dataset: 'fashion-mnist-subset',
    model: { kind: 'mlp', hidden: [4] },
    batchSize: 8,
    epochs: 1,
    optimizers: [{ name: 'sgd' }, { name: 'adam' }, { name: 'lion' }],
    seeds: [0, 1],
    perturbations: {},
  });

  it('orders cells by optimizer, then seed', () => {
    expect(gridCells(suite).map((c) => `${c.optimizer}/${c.seed}`)).toEqual(['sgd/0', 'sgd/1', 'adam/0', 'adam/1', 'lion/0', 'lion/1']);
    expect(new Set(gridCells(suite).map((c) => `${c.model}/${c.regime}`))).toEqual(new Set(['mlp[4]/standard']));
  });

  it('splits the grid into disjoint shards that cover it', () => {
    const cells = gridCells(suite);
    const shards = [1, 2, 3, 4].map((k) => shardCells(cells, parseShard(`${k}/4`)));
    expect(shards.flat().length).toBe(cells.length);
    expect(new Set(shards.flat()).size).toBe(cells.length);
    expect(shards[0]!.map((c) => `${c.optimizer}/${c.seed}`)).toEqual(['sgd/0', 'lion/0']);
  });
});
