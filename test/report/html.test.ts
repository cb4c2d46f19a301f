// report.html: self-contained, every chart rendered, strings from suites escaped.
import { beforeAll, describe, expect, it } from 'vitest';
import { read } from '../helpers/cli.ts';
import { smallRun } from '../helpers/small-run.ts';

describe('report.html', () => {
  let html = '';
  beforeAll(async () => {
    const { dir } = await smallRun({ description: '<script>alert(1)</script> a & b <img src=x onerror=alert(2)>', seeds: [0] });
    html = read(dir, 'report.html');
  }, 60_000);

  it('shows a suite description with markup as text, never as markup', () => {
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script');
    expect(html).toContain('a &amp; b &lt;img src=x onerror=alert(2)&gt;');
    expect(html).not.toContain('<img');
  });

  it('loads nothing from elsewhere: no scripts, stylesheets, images or fonts by URL', () => {
    expect(html).not.toMatch(/<(script|link|img|iframe)\b/i);
    expect(html).not.toMatch(/url\((?!#)|@import|https?:\/\/(?!www\.w3\.org\/)/i); // url(#id): SVG-local clip paths
  });

  it('renders one chart per perturbation plus the two training charts, each a non-empty SVG', () => {
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs).toHaveLength(3 + 2);
    for (const svg of svgs) expect(svg).toMatch(/<path[^>]* d="M[^"]{20,}/);
  });

  it('has the accuracy table with every severity and the input-gradient table', () => {
    expect(html).toMatch(/gaussian_noise<br><small>0\.3<\/small>/);
    expect(html).toContain('Input-gradient norms on clean test data');
  });
});
