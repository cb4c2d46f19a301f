// The report and the comparison page in a real browser (Debian's Chromium through
// playwright-core), at 1280 px, for a small real run and for a nightly-sized one (12
// optimizers x 13 perturbations, synthetic numbers): no horizontal overflow, no console
// errors or network requests, every chart drawn with a visible size, the findings first.
// Screenshots are kept in reports/screenshots/ for a person to look at. The browser is
// /usr/bin/chromium (.ci/run installs it) or $OPTROBUST_CHROMIUM; without one the tests fail
// in CI (CI=true) and are skipped elsewhere with a warning on stderr, never silently.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { smallRun } from '../helpers/small-run.ts';
import { syntheticRun } from '../helpers/synthetic-run.ts';
import { ROOT } from '../helpers/cli.ts';
import { compareCommand } from '../../harness/compare.ts';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { buildHistory } from '../../src/present/history/history.ts';
import { historyHtml } from '../../src/present/history/render.ts';
import { PALETTE } from '../../src/present/report/charts.ts';
import { NIGHTLY_OPTIMIZERS, NIGHTLY_PERTURBATIONS } from '../../suites/nightly.ts';
import { readManifest } from '../../src/run/experiment/manifest.ts';
import { RunStore } from '../../src/run/experiment/store.ts';
import { writeRunOutputs } from '../../src/present/report/write.ts';
import type { CellResult } from '../../src/run/experiment/phases/main.ts';

const CHROMIUM = process.env.OPTROBUST_CHROMIUM ?? '/usr/bin/chromium';
const NOT_RUN = `the browser tests did NOT run: no Chromium at ${CHROMIUM} (apt-get install chromium, or set OPTROBUST_CHROMIUM)`;
if (!existsSync(CHROMIUM) && process.env.CI !== 'true') process.stderr.write(`\n*** optrobust tests: ${NOT_RUN} ***\n\n`);
describe.runIf(!existsSync(CHROMIUM) && process.env.CI === 'true')('pages in Chromium, where they must run', () => {
  it('have a browser', () => {
    throw new Error(NOT_RUN);
  });
});
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SHOTS = join(ROOT, 'reports', 'screenshots');

describe.skipIf(!existsSync(CHROMIUM))('pages in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(() => browser?.close());

  /** Opens a file (at 1280 px unless told) and collects console errors, warnings, page errors and network requests. */
  async function open(file: string, width = 1280): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) problems.push(`network request: ${r.url()}`);
    });
    await page.goto(pathToFileURL(file).href);
    return { page, problems };
  }

  async function checkReport(file: string, shot: string, charts: number) {
    const { page, problems } = await open(file);
    // Charts; the per-class heat maps are checked by classMaps.
    const svgs = await page.$$eval('figure:not(.classes) svg', (list) =>
      list.map((s) => ({ w: s.getBoundingClientRect().width, h: s.getBoundingClientRect().height, marks: s.querySelectorAll('path').length })),
    );
    expect(svgs).toHaveLength(charts);
    for (const c of svgs) {
      expect(c.w).toBeGreaterThan(200);
      expect(c.h).toBeGreaterThan(100);
      expect(c.marks).toBeGreaterThan(2);
    }
    // No horizontal overflow of the page at 1280 px, and no table scrolling inside its box either; the findings are the first section.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
    await page.$$eval('details', (ds) => ds.forEach((d) => ((d as HTMLDetailsElement).open = true)));
    const wide = await page.$$eval('table', (ts) =>
      ts.map((t) => ({ right: t.getBoundingClientRect().right, where: t.closest('section')?.id ?? '' })).filter((t) => t.right > 1280),
    );
    expect(wide).toEqual([]);
    expect(await page.evaluate(() => document.querySelector('section')?.id)).toBe('findings');
    expect(await page.locator('#findings table.scores tbody tr').count()).toBeGreaterThan(1);
    const path = join(SHOTS, shot);
    await page.screenshot({ path, fullPage: true });
    expect(statSync(path).size).toBeGreaterThan(10_000);
    expect(problems).toEqual([]);
  }

  it('report.html of a real run opens from disk with no console errors and every chart rendered', async () => {
    const { dir } = await smallRun({ seeds: [0, 1] });
    await checkReport(join(dir, 'report.html'), 'report-small.png', 6);
    for (const width of [1280, 1920]) {
      await classMaps(join(dir, 'report.html'), width);
      await forestColours(join(dir, 'report.html'), width);
      await galleryShown(join(dir, 'report.html'), width);
    }
  }, 300_000);

  /**
   * The gallery opened: every perturbation's images decoded and drawn at their size, every table within the page, and
   * each arm's swatch in the colour the charts give that arm (read from the accuracy chart's legend).
   */
  async function galleryShown(file: string, width: number) {
    const { page, problems } = await open(file, width);
    await page.$$eval('#gallery details', (ds) => ds.forEach((d) => ((d as HTMLDetailsElement).open = true)));
    const seen = await page.$$eval('#gallery details', (blocks) =>
      blocks.map((d) => ({
        name: d.querySelector('summary')!.firstChild!.textContent!.trim(),
        images: [...d.querySelectorAll('img')].map((i) => ({ natural: i.naturalWidth, drawn: i.getBoundingClientRect().width })),
        right: d.querySelector('table')!.getBoundingClientRect().right,
      })),
    );
    expect(seen.map((b) => b.name)).toEqual(['clean', 'gaussian_noise', 'fgsm', 'rotation']);
    expect(seen.map((b) => b.images.length)).toEqual([10, 20, 40, 10]);
    for (const b of seen) {
      expect(b.right).toBeLessThanOrEqual(width);
      for (const i of b.images) {
        expect(i.natural).toBe(28);
        expect(i.drawn).toBeGreaterThanOrEqual(42);
      }
    }
    const colours = await page.evaluate(() => {
      const chart = [...document.querySelectorAll('figure svg')].find(
        (s) => s.getAttribute('aria-label')?.includes('Accuracy against severity') || s.textContent?.includes('accuracy (%)'),
      )!;
      const legend: Record<string, string> = {};
      for (const entry of chart.querySelectorAll('.role-legend-symbol')) {
        const label = entry.parentElement!.querySelector('.role-legend-label text')?.textContent ?? '';
        const style = getComputedStyle(entry.querySelector('path')!);
        legend[label] = style.stroke === 'none' ? style.fill : style.stroke;
      }
      const swatches: Record<string, string> = {};
      for (const key of document.querySelectorAll('#gallery .key'))
        swatches[key.textContent!.trim()] = getComputedStyle(key.querySelector('.sw')!).backgroundColor;
      const marks = [...document.querySelectorAll('#gallery .pr')].map((p) => ({
        arm: p.getAttribute('title')!.split(':')[0]!,
        colour: getComputedStyle(p.querySelector('.sw')!).backgroundColor,
      }));
      return { legend, swatches, marks };
    });
    expect(Object.keys(colours.swatches)).toEqual(['sgd', 'adam']);
    for (const [arm, colour] of Object.entries(colours.swatches)) expect(colour).toBe(colours.legend[arm]);
    expect(colours.marks.length).toBeGreaterThan(40);
    for (const m of colours.marks) expect(m.colour).toBe(colours.swatches[m.arm]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    await page.locator('#gallery').screenshot({ path: join(SHOTS, `report-gallery-${width}.png`) });
    // The confusion matrices: inside the page, and each cell's colour the legend's, read off linearly between its ends at the cell's share.
    await page.$$eval('#confusion details', (ds) => ds.forEach((d) => ((d as HTMLDetailsElement).open = true)));
    const confusion = await page.evaluate(() => {
      const stops = (document.querySelector('#confusion .ramp') as HTMLElement).style.backgroundImage.match(/rgb\(\d+, \d+, \d+\)/g)!;
      const cells = [...document.querySelectorAll('#confusion rect')].map((r) => ({
        share: Number(/\(([\d.]+)%\)$/.exec(r.querySelector('title')!.textContent!)?.[1]),
        fill: getComputedStyle(r).fill,
      }));
      const right = Math.max(...[...document.querySelectorAll('#confusion figure')].map((f) => f.getBoundingClientRect().right));
      return { first: stops[0]!, last: stops.at(-1)!, cells, right, figures: document.querySelectorAll('#confusion figure').length };
    });
    // 4 points (clean and three strongest severities) x 2 optimizers.
    expect(confusion.figures).toBe(8);
    expect(confusion.right).toBeLessThanOrEqual(width);
    const ends = [confusion.first, confusion.last].map((c) => c.match(/\d+/g)!.map(Number));
    expect(confusion.cells.length).toBeGreaterThan(80);
    for (const c of confusion.cells) {
      const t = c.share / 100;
      // The tooltip's share has one decimal: within one step of the colour's rounding either way.
      const want = ends[0]!.map((lo, i) => lo + (ends[1]![i]! - lo) * t);
      const got = c.fill.match(/\d+/g)!.map(Number);
      got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(1.5));
    }
    expect(problems).toEqual([]);
    await page.close();
  }

  it("the tuning section of a tuned run with budgets: each trial in its arm's legend colour, the tables inside the page", async () => {
    const { dir } = await smallRun({ seeds: [0, 1], tune: { budget: 4, budgets: [2], seeds: [0] } });
    for (const width of [1280, 1920]) {
      const { page, problems } = await open(join(dir, 'report.html'), width);
      const seen = await page.$eval('#tuning', (section) => {
        const chart = section.querySelector('figure svg')!;
        const legend: Record<string, string> = {};
        for (const entry of chart.querySelectorAll('.role-legend-symbol')) {
          const label = entry.parentElement!.querySelector('.role-legend-label text')?.textContent ?? '';
          const style = getComputedStyle(entry.querySelector('path')!);
          legend[label] = style.fill !== 'none' ? style.fill : style.stroke;
        }
        const marks: Record<string, string[]> = {};
        for (const p of chart.querySelectorAll('path[aria-roledescription="point"]')) {
          const arm = /arm: ([^;]+)/.exec(p.getAttribute('aria-label') ?? '')?.[1];
          if (arm) (marks[arm] ??= []).push(getComputedStyle(p).fill);
        }
        return {
          legend,
          marks,
          tables: [...section.querySelectorAll('table')].map((t) => ({ right: t.getBoundingClientRect().right, rows: t.querySelectorAll('tbody tr').length })),
          text: section.textContent ?? '',
        };
      });
      // Four trials per arm, each drawn in the arm's colour (the chosen one among them, larger).
      expect(Object.keys(seen.marks).sort()).toEqual(['adam', 'sgd']);
      for (const arm of ['sgd', 'adam']) {
        expect(seen.marks[arm]).toHaveLength(4);
        for (const colour of seen.marks[arm]!) expect(colour).toBe(seen.legend[arm]);
      }
      expect(seen.legend.sgd).not.toBe(seen.legend.adam);
      // The choices table (one row per arm) and the budget table (clean and three perturbations), inside the page.
      expect(seen.tables.map((t) => t.rows)).toEqual([2, 4]);
      for (const t of seen.tables) expect(t.right).toBeLessThanOrEqual(width);
      expect(seen.text).toContain('Does the ranking hold as the budget grows?');
      expect(problems).toEqual([]);
      if (width === 1280) await page.screenshot({ path: join(SHOTS, 'report-tuning.png'), fullPage: true });
    }
  }, 300_000);

  /** The forest plot as drawn: each arm's points in its legend entry's colour, and the reference (no row) not in the legend. */
  async function forestColours(file: string, width: number) {
    const { page, problems } = await open(file, width);
    const seen = await page.$$eval('figure svg', (svgs) => {
      const forest = svgs.find((s) => s.textContent?.includes('difference from'))!;
      const legend: Record<string, string> = {};
      for (const entry of forest.querySelectorAll('.role-legend-symbol')) {
        const label = entry.parentElement!.querySelector('.role-legend-label text')?.textContent ?? '';
        legend[label] = getComputedStyle(entry.querySelector('path')!).stroke;
      }
      const marks: Record<string, string[]> = {};
      for (const p of forest.querySelectorAll('path[aria-roledescription="point"]')) {
        const arm = /arm: ([^;]+)/.exec(p.getAttribute('aria-label') ?? '')?.[1];
        if (arm) (marks[arm] ??= []).push(getComputedStyle(p).stroke);
      }
      return { legend, marks, right: forest.getBoundingClientRect().right };
    });
    expect(Object.keys(seen.marks)).toEqual(['adam']);
    for (const colour of seen.marks.adam!) expect(colour).toBe(seen.legend.adam);
    expect(seen.legend.sgd).toBeUndefined();
    expect(seen.right).toBeLessThanOrEqual(width);
    expect(problems).toEqual([]);
  }

  /** The per-class heat maps: inside the page, and the darkest cell of each perturbation drawn in its legend's darkest colour. */
  async function classMaps(file: string, width: number) {
    const { page, problems } = await open(file, width);
    const blocks = await page.$$eval('#classes h3', (hs) =>
      hs.map((h) => {
        const legend = (h.nextElementSibling!.querySelector('.ramp') as HTMLElement).style.backgroundImage;
        const grid = h.nextElementSibling!.nextElementSibling!;
        const figures = [...grid.querySelectorAll('figure.classes')].map((f) => f.getBoundingClientRect());
        // The cell whose tooltip names the largest drop.
        let top = { drop: -Infinity, fill: '' };
        for (const r of grid.querySelectorAll('rect')) {
          const drop = Number(/: (-?[\d.]+) pts below/.exec(r.querySelector('title')!.textContent!)?.[1]);
          if (drop > top.drop) top = { drop, fill: getComputedStyle(r).fill };
        }
        return { legend, right: Math.max(...figures.map((f) => f.right)), maps: figures.length, top };
      }),
    );
    expect(blocks).toHaveLength(3);
    for (const b of blocks) {
      expect(b.maps).toBe(2);
      expect(b.right).toBeLessThanOrEqual(width);
      // The legend runs to the darkest colour, and that is the colour of the largest drop.
      const stops = b.legend.match(/rgb\(\d+, \d+, \d+\)/g)!;
      expect(stops.at(-1)).toBe(b.top.fill);
      expect(stops[0]).toBe('rgb(255, 255, 255)');
    }
    expect(problems).toEqual([]);
  }

  /** The nightly suite's shape (12 optimizers x 13 perturbations) with synthetic numbers. */
  const NIGHTLY_SHAPE = {
    name: 'nightly-shape',
    description: 'synthetic numbers',
    dataset: 'fashion-mnist-subset',
    model: { kind: 'mlp', hidden: [256, 128] },
    batchSize: 128,
    epochs: 4,
    optimizers: NIGHTLY_OPTIMIZERS,
    perturbations: NIGHTLY_PERTURBATIONS,
  } as const;

  it('report.html at nightly size (12 optimizers x 13 perturbations) fits 1280 px', async () => {
    const dir = await syntheticRun({ ...NIGHTLY_SHAPE, seeds: [0, 1, 2] });
    await checkReport(join(dir, 'report.html'), 'report-nightly-shape.png', 6);
  }, 300_000);

  it("robust-evaluation's report: AutoAttack attack by attack and a gradient-masking alert, within the page at 1280 and 1920 px", async () => {
    const suite = (await import('../../suites/robust-evaluation.ts')).default;
    // Synthetic numbers fall with each perturbation listed, so Square lands below APGD-CE: a masking flag.
    const dir = await syntheticRun({ ...suite, name: 'robust-evaluation-shape', description: 'synthetic numbers' });
    for (const width of [1280, 1920]) {
      const { page, problems } = await open(join(dir, 'report.html'), width);
      const ensemble = page.locator('#ensemble');
      await expect(ensemble.isVisible()).resolves.toBe(true);
      const heads = await ensemble.locator('table thead tr').first().locator('th').allTextContents();
      expect(heads).toEqual(['arm', 'eps (L-inf)', 'clean', 'after apgd-ce', 'after apgd-t', 'after fab-t', 'after square']);
      // One row per arm and eps, in each of the two ensembles' tables (autoattack, autoattack_l2).
      expect(await ensemble.locator('table tbody tr').count()).toBe(2 * suite.optimizers.length * 2);
      for (const table of await ensemble.locator('table').all()) {
        const box = (await table.boundingBox())!;
        expect(box.x + box.width).toBeLessThanOrEqual(width);
      }
      // One sentence per failed check, however many cells fail it.
      const alert = page.locator('.alert li');
      expect(await alert.count()).toBe(1);
      const sentence = (await alert.textContent())!;
      expect(sentence).toMatch(/^gradient masking\? masking_black_box fails \d+ times: sgd\/seed 0 \(square [\d.]+% against apgd [\d.]+% at 0\.01\); /);
      expect(sentence).toMatch(/, and \d+ more \(results\.csv's masking_black_box rows\)\. The white-box attacks may be misled/);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      expect(problems).toEqual([]);
      await page.screenshot({ path: join(SHOTS, `report-robust-evaluation-${width}.png`), fullPage: true });
      await page.close();
    }
  });

  it('a cell with non-finite logits is named in the alert above the findings, readable and within the page at 1280 and 1920 px', async () => {
    const { dir } = await smallRun({ seeds: [0] });
    const manifest = readManifest(dir);
    const store = new RunStore(dir, manifest.identity);
    // The adam cell as a model with NaN logits leaves it: every accuracy NaN, nonFinite counted.
    const records = store.records().map((r) =>
      r.kind === 'result' && r.phase === 'main' && r.key.optimizer === 'adam'
        ? {
            ...r,
            result: {
              ...(r.result as CellResult),
              eval: (r.result as CellResult).eval!.map((p) => ({ ...p, accuracy: Number.NaN, loss: Number.NaN, nonFinite: 200 })),
            },
          }
        : r,
    );
    await writeRunOutputs(dir, manifest.config.suite, records, manifest);
    for (const width of [1280, 1920]) {
      const { page, problems } = await open(join(dir, 'report.html'), width);
      const alert = page.locator('.alert');
      await expect(alert.isVisible()).resolves.toBe(true);
      expect(await alert.textContent()).toMatch(
        /not finite: adam\/seed 0: non-finite logits \(clean, gaussian_noise 0\.1, gaussian_noise 0\.3, fgsm 0\.05, and 1 more\)/,
      );
      const box = (await alert.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(width);
      expect(box.y).toBeLessThan((await page.locator('#findings').boundingBox())!.y);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      expect(problems).toEqual([]);
      await page.screenshot({ path: join(SHOTS, `report-nonfinite-${width}.png`) });
      await page.close();
    }
  });

  it('history.html: the report’s charts, axes titled, each optimizer in its report colour, fitting 1280 and 1920 px', async () => {
    const run = await smallRun({ seeds: [0, 1] });
    const folder = mkdtempSync(join(tmpdir(), 'history-browser-'));
    for (const night of [1, 2, 3, 4]) {
      const dir = join(folder, `night-${night}`);
      cpSync(run.dir, dir, { recursive: true });
      const manifest = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
      manifest.timings.startedAt = `2026-11-0${night}T02:00:00.000Z`;
      writeFileSync(join(dir, 'run.json'), JSON.stringify(manifest));
    }
    const file = join(folder, 'history.html');
    writeFileSync(file, await historyHtml(buildHistory([folder])));
    for (const width of [1280, 1920]) {
      const { page, problems } = await open(file, width);
      const seen = await page.$eval('figure svg', (svg) => {
        const texts = [...svg.querySelectorAll('text')].map((t) => t.textContent ?? '');
        const legend: Record<string, string> = {};
        for (const entry of svg.querySelectorAll('.role-legend-symbol')) {
          const label = entry.parentElement!.querySelector('.role-legend-label text')?.textContent ?? '';
          const style = getComputedStyle(entry.querySelector('path')!);
          legend[label] = style.stroke === 'none' ? style.fill : style.stroke;
        }
        const box = svg.getBoundingClientRect();
        return { texts, legend, right: box.right, w: box.width, marks: svg.querySelectorAll('path').length };
      });
      for (const t of ['accuracy (%)', 'run (# in the table below)', 'clean', 'gaussian_noise', 'fgsm', 'rotation']) expect(seen.texts).toContain(t);
      // Run numbers on the x axis, whole numbers only.
      expect(seen.texts).toEqual(expect.arrayContaining(['1', '2', '3', '4']));
      expect(seen.texts.filter((t) => /^\d\.5$/.test(t))).toEqual([]);
      const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
      expect(seen.legend).toEqual({ sgd: rgb(PALETTE[0]!), adam: rgb(PALETTE[1]!) });
      expect(seen.w).toBeGreaterThan(400);
      expect(seen.marks).toBeGreaterThan(10);
      expect(seen.right).toBeLessThanOrEqual(width);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      expect(await page.locator('table tr').count()).toBeGreaterThanOrEqual(5);
      await page.screenshot({ path: join(SHOTS, `history-${width}.png`), fullPage: true });
      expect(problems).toEqual([]);
      await page.close();
    }
  }, 120_000);

  it('compare.html at nightly size (12 optimizers x 13 perturbations): the headline per optimizer and every group fit 1280 px', async () => {
    // Other seeds, other synthetic numbers: a comparison with changes to show.
    const base = await syntheticRun({ ...NIGHTLY_SHAPE, seeds: [0, 1, 2] });
    const cur = await syntheticRun({ ...NIGHTLY_SHAPE, seeds: [3, 4, 5] });
    const { out } = await compareCommand({ baseline: base, current: cur, alpha: 0.05, perfThreshold: 0.1, allowMismatch: true });
    const { page, problems } = await open(join(out, 'compare.html'), 1280);
    const headline = page.locator('table.headline');
    expect(await headline.locator('tbody tr').count()).toBe(NIGHTLY_OPTIMIZERS.length);
    expect(await headline.locator('thead th').count()).toBe(1 + 1 + Object.keys(NIGHTLY_PERTURBATIONS).length);
    const box = (await headline.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(1280);
    for (const group of await page.locator('section.arm table').all()) {
      const b = (await group.boundingBox())!;
      expect(b.x + b.width).toBeLessThanOrEqual(1280);
    }
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
    await page.screenshot({ path: join(SHOTS, 'compare-nightly-shape-1280.png') });
    expect(problems).toEqual([]);
    await page.close();
  }, 300_000);

  it('compare.html opens with no console errors and its chart drawn, fitting 1280 and 1920 px', async () => {
    const base = await smallRun({ seeds: [0, 1, 2] });
    const cur = await smallRun({
      seeds: [0, 1, 2],
      optimizers: [
        { name: 'sgd', options: { lr: 0.1 } },
        { name: 'adam', options: { lr: 1e-5 } },
      ],
    });
    const { out } = await compareCommand({ baseline: base.dir, current: cur.dir, alpha: 0.05, perfThreshold: 0.1, allowMismatch: true });
    for (const width of [1280, 1920]) {
      const { page, problems } = await open(join(out, 'compare.html'), width);
      const chart = await page.$eval('figure svg', (s) => ({ w: s.getBoundingClientRect().width, marks: s.querySelectorAll('path').length }));
      expect(chart.w).toBeGreaterThan(200);
      expect(chart.marks).toBeGreaterThan(10);
      expect(await page.locator('tr.regressed').count()).toBeGreaterThan(0);
      // The table fits the page, percentages and all.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      const accuracy = await page.$$eval('#groups tr.regressed', (rows) =>
        rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')).filter((cells) => cells[3] === 'accuracy'),
      );
      expect(accuracy.length).toBeGreaterThan(0);
      for (const cells of accuracy) expect(cells[4]).toMatch(/^\d+\.\d%$/);
      // The headline per optimizer fits; the filters show what they say.
      const headline = (await page.locator('table.headline').boundingBox())!;
      expect(headline.x + headline.width).toBeLessThanOrEqual(width);
      const visible = async () => page.$$eval('#groups tbody tr', (rows) => rows.filter((r) => r.getBoundingClientRect().height > 0).map((r) => r.className));
      const all = await visible();
      await page.click('label[for=show-regressions]');
      const regressions = await visible();
      expect(regressions.length).toBe(all.filter((c) => c.split(' ').includes('regressed')).length);
      expect(regressions.length).toBeGreaterThan(0);
      for (const c of regressions) expect(c.split(' ')).toContain('regressed');
      await page.click('label[for=show-headline]');
      for (const c of await visible()) expect(c.split(' ')).toContain('headline');
      await page.click('label[for=show-changes]');
      for (const c of await visible()) expect(c.split(' ')).not.toContain('same');
      await page.click('label[for=show-all]');
      expect((await visible()).length).toBe(all.length);
      await page.screenshot({ path: join(SHOTS, `compare-${width}.png`), fullPage: true });
      expect(problems).toEqual([]);
      await page.close();
    }
  }, 90_000);
});
