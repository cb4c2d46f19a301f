// report.html: self-contained, leads with findings, every chart rendered, strings from suites escaped.
import { readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { read } from '../helpers/cli.ts';
import { ramp } from '../../src/present/report/heatmap.ts';
import { PALETTE } from '../../src/present/report/charts.ts';
import { smallRun } from '../helpers/small-run.ts';

describe('report.html', () => {
  let html = '';
  let dir = '';
  beforeAll(async () => {
    ({ dir } = await smallRun({ description: '<script>alert(1)</script> a & b <img src=x onerror=alert(2)>', seeds: [0, 1, 2] }));
    html = read(dir, 'report.html');
  }, 300_000);

  it('links every file beside it, and only files that are there', () => {
    const nav = html.slice(html.indexOf('<nav id="files">'), html.indexOf('</nav>'));
    const links = [...nav.matchAll(/<a href="([^"]+)"/g)].map((m) => m[1]!);
    const beside = readdirSync(dir).filter((f) => /\.(csv|json)$/.test(f) && f !== 'cells.jsonl');
    expect(links.sort()).toEqual(beside.sort());
    expect(links).toEqual(expect.arrayContaining(['results.csv', 'summary.csv', 'steps.csv', 'layers.csv', 'run.json']));
  });

  it('shows a suite description with markup as text, never as markup', () => {
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script');
    expect(html).toContain('a &amp; b &lt;img src=x onerror=alert(2)&gt;');
    expect(html).not.toContain('<img src=x');
    // The gallery's images are the only <img> elements, each a PNG data URI.
    expect(html).not.toMatch(/<img (?!(class="delta" )?src="data:image\/png;base64,[A-Za-z0-9+/=]+" )/);
  });

  it('loads nothing from elsewhere: no scripts, stylesheets, images or fonts by URL', () => {
    expect(html).not.toMatch(/<(script|link|iframe)\b/i);
    // Images only as data: URIs (the gallery's PNGs).
    for (const m of html.matchAll(/<img\b[^>]*>/gi)) expect(m[0]).toMatch(/ src="data:image\/png;base64,/);
    expect(html.match(/<img\b/g)?.length).toBeGreaterThan(10);
    expect(html).not.toMatch(/url\((?!#)|@import|https?:\/\/(?!www\.w3\.org\/)/i); // url(#id): SVG-local clip paths
  });

  it('leads with findings: sentences, the scores table, the trade-off scatter and the forest plot, before any other section', () => {
    const findings = html.indexOf('<section id="findings">');
    expect(findings).toBeGreaterThan(0);
    expect(findings).toBeLessThan(html.indexOf('<h2>Accuracy against severity</h2>'));
    const section = html.slice(findings, html.indexOf('</section>', findings));
    expect(section).toMatch(/Clean accuracy: highest <b>(sgd|adam)<\/b>/);
    expect(section).toMatch(/Most robust <b>(sgd|adam)<\/b> under/);
    expect(section).toMatch(/<th>arm<\/th><th>lr<\/th><th>clean<\/th><th>gaussian_<wbr>noise<\/th><th>fgsm<\/th><th>rotation<\/th><th>mCE<\/th>/);
    // Each arm's learning rate beside its scores (the suite's, here: it does not tune).
    expect(section).toMatch(/<td><b>sgd<\/b><\/td><td>0\.1<\/td>/);
    expect(section).toMatch(/<td><b>adam<\/b><\/td><td>0\.003<\/td>/);
    expect(section.match(/<svg/g)).toHaveLength(2);
  });

  it('draws every chart as a non-empty SVG and folds the per-severity tables, units in their headers', () => {
    // The per-class heat maps are checked below.
    const svgs = html.replace(/<section id="(classes|confusion)">[\s\S]*?<\/section>/g, '').match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    // findings (2), accuracy against severity, training loss and gradient norm, gradients through depth
    expect(svgs).toHaveLength(6);
    for (const svg of svgs) expect(svg).toMatch(/<path[^>]* d="M[^"]{20,}/);
    expect(html).toMatch(/<details><summary><b>gaussian_noise<\/b> <small>severity in sigma: 0\.1, 0\.3<\/small><\/summary>/);
    expect(html).toContain('<section id="depth"><h2>Gradients through depth</h2>');
    expect(html).toContain('Input-gradient norms on clean test data');
  });

  it('draws per perturbation one class heat map per arm, each cell coloured by its drop on the legend of its perturbation', () => {
    const section = /<section id="classes">[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
    const blocks = section.split('<h3>').slice(1);
    expect(blocks.map((b) => b.slice(0, b.indexOf('<')))).toEqual(['gaussian_noise', 'fgsm', 'rotation']);
    const severities: Record<string, number> = { gaussian_noise: 2, fgsm: 1, rotation: 1 };
    for (const block of blocks) {
      const name = block.slice(0, block.indexOf('<'));
      const high = Number(/<\/span> <small>([\d.]+) pts<\/small>/.exec(block)![1]);
      const maps = block.match(/<figure class="classes">[\s\S]*?<\/figure>/g) ?? [];
      expect(maps).toHaveLength(2); // sgd and adam
      const drops: number[] = [];
      for (const map of maps) {
        expect(map).toContain('T-shirt/top');
        const cells = [...map.matchAll(/<rect [^>]*fill="([^"]+)"><title>([^<]+)<\/title>/g)];
        expect(cells).toHaveLength(10 * severities[name]!);
        for (const [, fill, tip] of cells) {
          const drop = Number(/: (-?[\d.]+) pts below/.exec(tip!)![1]);
          drops.push(drop);
          // Tooltips and the legend round to 0.1 points: t = drop / high is known within 0.1 / high,
          // and the ramp moves a channel by at most 247 levels over t in [0, 1].
          const rgb = (c: string) => c.match(/\d+/g)!.map(Number);
          const tolerance = (247 * 0.1) / high + 1;
          const expected = rgb(ramp(drop / high));
          rgb(fill!).forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThanOrEqual(tolerance));
        }
      }
      // The legend's top is the largest drop drawn.
      expect(Math.max(1, ...drops)).toBeCloseTo(high, 1);
    }
  });

  it("draws each arm of the forest plot in its own colour and shape, the legend's and every other chart's, on one x scale", () => {
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    const forest = svgs.find((s) => s.includes('difference from sgd'))!;
    expect(forest).toBeDefined();
    /** arm -> the colour of its point marks in one chart (its stroke, or its fill where the stroke is white) and their shape. */
    const marks = (svg: string) => {
      const out = new Map<string, Set<string>>();
      for (const m of svg.matchAll(/<path aria-label="[^"]*arm: ([^;"]+)[^"]*" role="graphics-symbol" aria-roledescription="point"[^>]*>/g)) {
        const tag = m[0];
        const attr = (a: string) => new RegExp(` ${a}="([^"]+)"`).exec(tag)?.[1] ?? '';
        const colour = attr('stroke') && attr('stroke') !== 'white' ? attr('stroke') : attr('fill');
        out.set(m[1]!, (out.get(m[1]!) ?? new Set()).add(colour));
      }
      return out;
    };
    const legend = new Map(
      [
        ...forest.matchAll(
          /role-legend-symbol"[^>]*><path[^>]*stroke="([^"]+)"[^>]*\/><\/g><g class="mark-text role-legend-label"[^>]*><text[^>]*>([^<]+)<\/text>/g,
        ),
      ].map((m) => [m[2]!, m[1]!]),
    );
    const inForest = marks(forest);
    // The reference has no difference from itself: adam alone is drawn, in adam's colour (the second), not sgd's.
    expect([...inForest.keys()]).toEqual(['adam']);
    const [adamStroke] = [...inForest.get('adam')!];
    expect(adamStroke).toBe(PALETTE[1]); // adam is the second arm
    expect(legend.get('adam')).toBe(adamStroke);
    expect(legend.has('sgd')).toBe(false);
    // Every other chart with point marks per arm agrees.
    for (const svg of svgs.filter((s) => s !== forest)) {
      const m = marks(svg).get('adam');
      if (m) for (const x of m) expect(x).toBe(adamStroke);
    }
    // One x scale: every panel's axis has the same tick labels.
    const axes = (forest.match(/role-axis-label"[^>]*>[\s\S]*?<\/g>/g) ?? []).map((g) => [...g.matchAll(/>([^<>]+)<\/text>/g)].map((t) => t[1]));
    const xAxes = axes.filter((labels) => labels.every((l) => /^[−-]?[\d.]+$/.test(l!)));
    expect(xAxes.length).toBe(3); // gaussian_noise, fgsm, rotation
    for (const a of xAxes) expect(a).toEqual(xAxes[0]);
  });
});
