// Property-based checks (fast-check) of the boundaries: the command line's numeric flags,
// suite fields, store lines and the number formats of every file. Each property states
// what must hold for every input, not for a few chosen ones.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, appendFileSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { positiveInt, seedList } from '../../harness/cli.ts';
import { parseExact, stringifyExact } from '../../src/core/util/json.ts';
import { RunStore, StoreError } from '../../src/run/experiment/store.ts';
import { formatNumber } from '../../src/present/report/format.ts';
import { defineSuite, MAX_SEED, SuiteError, type SuiteDefinition } from '../../src/run/experiment/suite.ts';

const RUNS = { numRuns: 300 };

/** Reads a result-file number back as pandas / R / DuckDB would. */
const readNumber = (s: string): number => (s === 'Inf' ? Infinity : s === '-Inf' ? -Infinity : Number(s));

describe('numeric command-line flags', () => {
  const flagText = fc.oneof(
    fc.string(),
    fc.integer({ min: -5, max: 2_000_000 }).map(String),
    fc.double().map(String),
    fc.constantFrom('', ' 1', '1e3', '0x10', '1.0', '+3', '007'),
  );

  it('--workers-like flags: accept exactly the decimal integers in [1, max]; reject everything else with a message naming the flag and value', () => {
    const parse = positiveInt('--workers', 16);
    fc.assert(
      fc.property(flagText, (s) => {
        let got: number | undefined;
        try {
          got = parse(s);
        } catch (e) {
          expect(e).toBeInstanceOf(InvalidArgumentError);
          expect((e as Error).message).toBe(`--workers expects an integer from 1 to 16, got "${s}"`);
          expect(/^\d+$/.test(s) && Number(s) >= 1 && Number(s) <= 16).toBe(false);
          return;
        }
        expect(/^\d+$/.test(s)).toBe(true);
        expect(got).toBe(Number(s));
        expect(got >= 1 && got <= 16).toBe(true);
      }),
      RUNS,
    );
  });

  it('--seeds: every accepted list holds integers in 0..2^32-1 exactly as written', () => {
    const item = fc.oneof(fc.nat({ max: MAX_SEED }).map(String), fc.constantFrom('4294967296', '-1', 'x', '1.5', ''));
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 5 }), (items) => {
        const text = items.join(',');
        const valid = items.every((p) => /^\d+$/.test(p.trim()) && Number(p) <= MAX_SEED);
        if (valid) expect(seedList(text)).toEqual(items.map(Number));
        else expect(() => seedList(text)).toThrow(/--seeds expects comma-separated integers in 0\.\.4294967295/);
      }),
      RUNS,
    );
  });
});

describe('suite fields', () => {
  const base: SuiteDefinition = {
    name: 'p',
    description: '',
    dataset: 'fashion-mnist-subset',
    model: { kind: 'mlp', hidden: [4] },
    batchSize: 8,
    epochs: 1,
    optimizers: [{ name: 'sgd' }],
    seeds: [0],
    perturbations: {},
  };
  const anyValue = fc.oneof(
    fc.integer({ min: -3, max: 10 }),
    fc.double(),
    fc.string(),
    fc.constant(null),
    fc.constant(undefined),
    fc.array(fc.integer({ min: -1, max: 3 })),
  );

  for (const field of ['batchSize', 'epochs', 'trainLimit'] as const) {
    // epochs may be 0: a pretrained model evaluated as it is.
    const least = field === 'epochs' ? 0 : 1;
    it(`${field}: accepted exactly when an integer >= ${least}, else a SuiteError naming "${field}"`, () => {
      fc.assert(
        fc.property(anyValue, (v) => {
          const ok = (Number.isInteger(v) && (v as number) >= least) || (field === 'trainLimit' && v === undefined);
          if (ok) expect(defineSuite({ ...base, [field]: v })[field]).toBe(v);
          else
            expect(() => defineSuite({ ...base, [field]: v } as SuiteDefinition)).toThrow(
              new RegExp(`^suite "p": ${field} = .*; expected a ${least ? 'positive' : 'non-negative'} integer`),
            );
        }),
        RUNS,
      );
    });
  }

  it('seeds: accepted exactly when distinct integers in 0..2^32-1', () => {
    const seed = fc.oneof(fc.nat({ max: MAX_SEED }), fc.constantFrom(-1, MAX_SEED + 1, 0.5, Number.NaN, Infinity));
    fc.assert(
      fc.property(fc.array(seed, { maxLength: 4 }), (seeds) => {
        const ok = seeds.length > 0 && seeds.every((s) => Number.isInteger(s) && s >= 0 && s <= MAX_SEED) && new Set(seeds).size === seeds.length;
        if (ok) expect(defineSuite({ ...base, seeds }).seeds).toEqual(seeds);
        else expect(() => defineSuite({ ...base, seeds })).toThrow(SuiteError);
      }),
      RUNS,
    );
  });
});

describe('exact JSON (store lines, run.json, the worker boundary)', () => {
  it('every double, NaN, ±Infinity and -0 included, reads back as itself, nested anywhere', () => {
    fc.assert(
      fc.property(fc.array(fc.double()), fc.dictionary(fc.string(), fc.double()), (xs, obj) => {
        const back = parseExact<{ xs: number[]; obj: Record<string, number> }>(stringifyExact({ xs, obj }));
        xs.forEach((v, i) => expect(Object.is(back.xs[i], v)).toBe(true));
        for (const [k, v] of Object.entries(obj)) expect(Object.is(back.obj[k], v)).toBe(true);
      }),
      RUNS,
    );
  });
});

describe('store lines', () => {
  const record = fc.record({ optimizer: fc.constantFrom('sgd', 'adam', 'lion'), seed: fc.nat({ max: 5 }), error: fc.string(), value: fc.double() });

  it('whatever was appended reads back (the last per cell), and a torn tail of any length is ignored', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 8 }), fc.nat(), (recs, cut) => {
        const store = new RunStore(mkdtempSync(join(tmpdir(), 'optrobust-prop-')), 'r');
        for (const r of recs)
          store.append({
            kind: 'failure',
            phase: 'main',
            key: { model: 'm', regime: 's', optimizer: r.optimizer, seed: r.seed },
            error: `${r.error}${r.value}`,
          });
        const line = `${stringifyExact({ run: 'r', kind: 'failure', phase: 'main', key: { model: 'm', regime: 's', optimizer: 'zzz', seed: 0 }, error: '' })}`;
        appendFileSync(store.file, line.slice(0, cut % line.length));
        const last = new Map(recs.map((r) => [`${r.optimizer}/${r.seed}`, `${r.error}${r.value}`]));
        const got = store.records().map((r) => (r.kind === 'failure' ? [`${r.key.optimizer}/${r.key.seed}`, r.error] : []));
        expect(new Map(got as [string, string][])).toEqual(last);
      }),
      { numRuns: 100 },
    );
  });

  it('any unreadable line before the last is an error naming its line number', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 6 }),
        fc.string({ minLength: 1 }).filter((s) => !s.includes('\n')),
        (n, junk) => {
          const store = new RunStore(mkdtempSync(join(tmpdir(), 'optrobust-prop-')), 'r');
          for (let i = 0; i < n; i++) store.append({ kind: 'failure', phase: 'main', key: { model: 'm', regime: 's', optimizer: 'sgd', seed: i }, error: '' });
          const lines = readFileSync(store.file, 'utf8').split('\n');
          const at = 1 + (junk.length % (n - 1)); // 0-based position of the junk, never the last line
          let bad = `{${junk}`;
          try {
            JSON.parse(bad);
            bad = `[${bad}`; // make sure it does not parse
          } catch {
            /* unparseable, as wanted */
          }
          lines.splice(at, 0, bad);
          writeFileSync(store.file, lines.join('\n'));
          expect(() => store.records()).toThrow(StoreError);
          expect(() => store.records()).toThrow(`, line ${at + 1}: not a valid record`);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('numbers in result files', () => {
  it('every float32 reads back as the same float32; integers exactly; NaN, Inf, -Inf and -0 as themselves', () => {
    fc.assert(
      fc.property(fc.float(), (v) => {
        const s = formatNumber(v);
        const back = readNumber(s);
        if (Number.isNaN(v)) expect(s).toBe('NaN');
        else expect(Object.is(Math.fround(back), Math.fround(v))).toBe(true);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.maxSafeInteger(), (v) => {
        expect(readNumber(formatNumber(v))).toBe(v);
      }),
      { numRuns: 1000 },
    );
  });
});
