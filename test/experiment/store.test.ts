// The run store survives a writer killed mid-line; the last record of a cell wins.
import { describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendRecord, readRecords, repairStore, STORE_FILE } from '../../src/experiment/store.ts';
import { gridCells, parseShard, shardCells } from '../../src/experiment/grid.ts';
import { defineSuite } from '../../src/experiment/suite.ts';

describe('store', () => {
  it('ignores a torn final line and repairs it before the next append', () => {
    const dir = mkdtempSync(join(tmpdir(), 'optrobust-store-'));
    appendRecord(dir, { kind: 'failure', failure: { optimizer: 'sgd', seed: 0, error: 'x' } });
    appendFileSync(join(dir, STORE_FILE), '{"kind":"result","res');
    expect(readRecords(dir)).toHaveLength(1);
    repairStore(dir);
    appendRecord(dir, { kind: 'failure', failure: { optimizer: 'adam', seed: 0, error: 'y' } });
    expect(readFileSync(join(dir, STORE_FILE), 'utf8').split('\n').filter(Boolean)).toHaveLength(2);
    expect(readRecords(dir).map((r) => r.kind === 'failure' && r.failure.optimizer)).toEqual(['sgd', 'adam']);
  });

  it('keeps non-finite numbers (a diverged loss) through the round trip', () => {
    const dir = mkdtempSync(join(tmpdir(), 'optrobust-store-'));
    appendRecord(dir, { kind: 'failure', failure: { optimizer: 'sgd', seed: Number.NaN, error: '' } });
    const [r] = readRecords(dir);
    expect(r?.kind === 'failure' && Number.isNaN(r.failure.seed)).toBe(true);
  });
});

describe('grid and shards', () => {
  const suite = defineSuite({
    name: 'g', description: '', dataset: 'fashion-mnist-subset', model: { kind: 'mlp', hidden: [4] }, batchSize: 8, epochs: 1,
    optimizers: [{ name: 'sgd' }, { name: 'adam' }, { name: 'lion' }], seeds: [0, 1], perturbations: {},
  });

  it('orders cells by optimizer, then seed', () => {
    expect(gridCells(suite).map((c) => `${c.optimizer}/${c.seed}`)).toEqual(['sgd/0', 'sgd/1', 'adam/0', 'adam/1', 'lion/0', 'lion/1']);
  });

  it('splits the grid into disjoint shards that cover it', () => {
    const cells = gridCells(suite);
    const shards = [1, 2, 3, 4].map((k) => shardCells(cells, parseShard(`${k}/4`)));
    expect(shards.flat().length).toBe(cells.length);
    expect(new Set(shards.flat()).size).toBe(cells.length);
    expect(shards[0]!.map((c) => `${c.optimizer}/${c.seed}`)).toEqual(['sgd/0', 'lion/0']);
  });
});
