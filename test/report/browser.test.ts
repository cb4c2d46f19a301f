// The report and the comparison page in a real browser (Debian's Chromium through
// playwright-core): no console errors or network requests, every chart drawn with a
// visible size, a screenshot saved beside the page. Skipped when /usr/bin/chromium is
// missing; .ci/run installs it.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { smallRun } from '../helpers/small-run.ts';
import { compareCommand } from '../../harness/compare.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe.skipIf(!existsSync(CHROMIUM))('pages in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(() => browser?.close());

  /** Opens a file at 1280 px and collects console errors, warnings, page errors and network requests. */
  async function open(file: string): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
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

  it('report.html opens from disk with no console errors and every chart rendered', async () => {
    const { dir } = await smallRun({ seeds: [0] });
    const { page, problems } = await open(join(dir, 'report.html'));
    const charts = await page.$$eval('figure svg', (svgs) => svgs.map((s) => ({ w: s.getBoundingClientRect().width, h: s.getBoundingClientRect().height, marks: s.querySelectorAll('path').length })));
    expect(charts).toHaveLength(5);
    for (const c of charts) {
      expect(c.w).toBeGreaterThan(200);
      expect(c.h).toBeGreaterThan(150);
      expect(c.marks).toBeGreaterThan(2);
    }
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= 1280)).toBe(true);
    const shot = join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    expect(problems).toEqual([]);
  }, 90_000);

  it('compare.html opens with no console errors and its chart drawn', async () => {
    const base = await smallRun({ seeds: [0, 1, 2] });
    const cur = await smallRun({ seeds: [0, 1, 2], optimizers: [{ name: 'sgd', options: { lr: 0.1 } }, { name: 'adam', options: { lr: 1e-5 } }] });
    const { out } = await compareCommand({ baseline: base.dir, current: cur.dir, alpha: 0.05, perfThreshold: 0.1, allowMismatch: true });
    const { page, problems } = await open(join(out, 'compare.html'));
    const chart = await page.$eval('figure svg', (s) => ({ w: s.getBoundingClientRect().width, marks: s.querySelectorAll('path').length }));
    expect(chart.w).toBeGreaterThan(200);
    expect(chart.marks).toBeGreaterThan(10);
    expect(await page.locator('tr.regressed').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(out, 'compare.png'), fullPage: true });
    expect(problems).toEqual([]);
  }, 90_000);
});
