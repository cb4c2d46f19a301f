// FAB's projections (src/measure/perturb/fab.ts, transcribed from AutoAttack's fab_projections.py):
// the step d puts t + d on the hyperplane w·x = b inside the box [0, 1]ᴰ, and no point of that
// set is closer to t in the norm than t + d: checked against a fine grid over the set in 3-D
// (two coordinates free, the third solved), for random t, w and b whose hyperplane meets the box.
import { describe, expect, it } from 'vitest';
import { projectionL2, projectionLinf } from '../../src/measure/perturb/fab.ts';
import { createRng } from '../../src/core/util/rng.ts';

const STEP = 1 / 400;
const norms = { linf: (v: number[]) => Math.max(...v.map(Math.abs)), l2: (v: number[]) => Math.hypot(...v) };

/** The smallest distance from t to {x in [0, 1]³ : w·x = b} over a grid of x₀, x₁ (x₂ solved); Infinity when the grid misses it. */
function gridMinimum(t: number[], w: number[], b: number, norm: (v: number[]) => number): number {
  let best = Infinity;
  for (let i = 0; i <= 400; i++)
    for (let j = 0; j <= 400; j++) {
      const x0 = i * STEP;
      const x1 = j * STEP;
      const x2 = (b - w[0]! * x0 - w[1]! * x1) / w[2]!;
      if (x2 < 0 || x2 > 1) continue;
      best = Math.min(best, norm([x0 - t[0]!, x1 - t[1]!, x2 - t[2]!]));
    }
  return best;
}

describe('FAB projections', () => {
  for (const [name, project] of [
    ['linf', projectionLinf],
    ['l2', projectionL2],
  ] as const) {
    it(`${name}: on the hyperplane, inside the box, and no farther than the closest grid point of that set`, () => {
      const rng = createRng(11, `fab-projection:${name}`);
      let checked = 0;
      for (let trial = 0; trial < 40; trial++) {
        const t = [rng(), rng(), rng()];
        const w = Float64Array.from([rng() - 0.5, rng() - 0.5, 0.2 + rng()]);
        // b from a point of the box, so the hyperplane meets it.
        const inside = [rng(), rng(), rng()];
        const b = w[0]! * inside[0]! + w[1]! * inside[1]! + w[2]! * inside[2]!;
        const d = Array.from(project(Float64Array.from(t), w, b));
        const x = t.map((v, k) => v + d[k]!);
        expect(Math.abs(w[0]! * x[0]! + w[1]! * x[1]! + w[2]! * x[2]! - b)).toBeLessThan(1e-9);
        for (const v of x) {
          expect(v).toBeGreaterThanOrEqual(-1e-12);
          expect(v).toBeLessThanOrEqual(1 + 1e-12);
        }
        const grid = gridMinimum(t, Array.from(w), b, norms[name]);
        // The grid's closest point is a feasible point: the projection is no farther (up to the grid's spacing).
        expect(norms[name](d)).toBeLessThanOrEqual(grid + 1e-12);
        expect(norms[name](d)).toBeGreaterThan(grid - 4 * STEP);
        checked++;
      }
      expect(checked).toBe(40);
    });
  }
});
