// `optrobust compare`: reads two run directories, compares them, writes compare.md/.csv/.json/.html.
import { existsSync } from 'node:fs';
import { checkOwnFolder, MiB, readRegularText } from '../src/core/util/paths.ts';
import { join } from 'node:path';
import { compareRuns, type Comparison } from '../src/present/compare/compare.ts';
import { loadRun, CompareInputError } from '../src/present/compare/run-data.ts';
import { resolveRules, type Rules } from '../src/present/compare/directions.ts';
import { renderCsv, renderHtml, renderJson, renderMarkdown, renderRefusal } from '../src/present/compare/render.ts';
import type { PerfFile } from '../src/present/compare/perf-file.ts';
import { writeFileAtomic } from '../src/core/util/atomic.ts';

export interface CompareFlags {
  baseline: string;
  current: string;
  out?: string;
  thresholds?: string;
  threshold?: string[];
  alpha: number;
  perfThreshold: number;
  allowMismatch?: boolean;
  allowPartial?: boolean;
  failOnPerf?: boolean;
  baselinePerf?: string;
  currentPerf?: string;
}

function readJson<T>(file: string, what: string): T {
  const text = readRegularText(file, {
    what: `${what} (a JSON file)`,
    maxBytes: 16 * MiB,
    error: (f, problem) => new CompareInputError(`${what} ${f}: ${problem}`),
  });
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new CompareInputError(`${what} ${file}: not valid JSON (${(e as Error).message})`);
  }
}

function perfFile(file: string | undefined, what: string): PerfFile | undefined {
  if (!file) return undefined;
  const f = readJson<PerfFile>(file, what);
  if (f.format !== 'optrobust-perf/1' || !Array.isArray(f.results))
    throw new CompareInputError(`${what} ${file}: not an \`npm run perf\` result (expected "format": "optrobust-perf/1")`);
  return f;
}

/** What compare writes into its folder (it may replace these, nothing else). */
const COMPARE_FILES = ['compare.md', 'compare.csv', 'compare.json', 'compare.html'];

export async function compareCommand(f: CompareFlags): Promise<{ comparison: Comparison; code: number; markdown: string; out: string }> {
  const out = f.out ?? join(f.current, 'compare');
  checkOwnFolder(
    out,
    f.out === undefined ? 'the default output folder' : '--out',
    COMPARE_FILES,
    'compare writes compare.md, .csv, .json and .html into a folder of their own',
  );
  try {
    return await compareInto(f, out);
  } catch (e) {
    // A nightly job shows compare.md whatever happens: a refusal is written there too, with its reason.
    if (e instanceof CompareInputError && (f.out !== undefined || existsSync(f.current))) {
      try {
        writeFileAtomic(join(out, 'compare.md'), renderRefusal(e.message));
      } catch {
        // the refusal itself is what the user needs; it is on stderr either way
      }
    }
    throw e;
  }
}

async function compareInto(f: CompareFlags, out: string): Promise<{ comparison: Comparison; code: number; markdown: string; out: string }> {
  const user: Record<string, unknown> = f.thresholds ? readJson<Record<string, unknown>>(f.thresholds, '--thresholds') : {};
  for (const t of f.threshold ?? []) {
    const m = /^([a-z0-9_]+)=([0-9.eE+-]+)$/.exec(t);
    if (!m || !Number.isFinite(Number(m[2]))) throw new CompareInputError(`--threshold ${JSON.stringify(t)}: expected METRIC=NUMBER, e.g. accuracy=0.02`);
    user[m[1]!] = { ...((user[m[1]!] as object) ?? {}), threshold: Number(m[2]) };
  }
  let rules: Rules;
  try {
    rules = resolveRules(user, f.thresholds ?? '--threshold');
  } catch (e) {
    throw new CompareInputError((e as Error).message);
  }
  const base = loadRun(f.baseline, 'baseline');
  const cur = loadRun(f.current, 'current');
  const comparison = compareRuns(base, cur, {
    rules,
    alpha: f.alpha,
    perfThreshold: f.perfThreshold,
    basePerf: perfFile(f.baselinePerf, '--baseline-perf'),
    currentPerf: perfFile(f.currentPerf, '--current-perf'),
  });
  if (comparison.setupDifferences.length && !f.allowMismatch) {
    throw new CompareInputError(
      `the runs differ in setup, so their numbers are not comparable:\n  ` +
        `${comparison.setupDifferences.join('\n  ')}\n(pass --allow-mismatch to compare them anyway)`,
    );
  }
  // A gate never passes on missing data: cells the baseline has and the current run lacks
  // (failed, or never run) would otherwise just be absent rows.
  const missing = comparison.missingCells;
  if (missing.length && !f.allowPartial) {
    const shown = missing.slice(0, 12).join(', ');
    throw new CompareInputError(
      `the current run lacks ${missing.length} cell(s) the baseline has: ` +
        `${shown}${missing.length > 12 ? ', ...' : ''}; finish it with --resume, or pass --allow-partial to compare ` +
        `what both hold`,
    );
  }
  if (comparison.rows.length === 0)
    throw new CompareInputError(
      `nothing to compare: the runs share no measured (optimizer, perturbation, severity, metric) row; ` +
        `${cur.records.length === 0 ? `${f.current} holds no records` : "every cell of one run failed or differs from the other's"}`,
    );
  const markdown = renderMarkdown(comparison);
  writeFileAtomic(join(out, 'compare.md'), markdown);
  writeFileAtomic(join(out, 'compare.csv'), renderCsv(comparison));
  writeFileAtomic(join(out, 'compare.json'), renderJson(comparison));
  writeFileAtomic(join(out, 'compare.html'), await renderHtml(comparison));
  const failed = comparison.regressions > 0 || (f.failOnPerf === true && comparison.perfRegressions > 0);
  return { comparison, code: failed ? 1 : 0, markdown, out };
}
