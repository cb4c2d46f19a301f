// Gradient-masking checks (Carlini et al. 2019, "On evaluating adversarial robustness", §5.1 and
// the checklist of its appendix; Athalye, Carlini & Wagner 2018, "Obfuscated gradients give a
// false sense of security", §3.1), computed from one cell's sweep: a white-box attack that looks
// stronger than it is leaves these traces in the accuracies. Each check is a 0/1 measurement at
// the (perturbation, severity) it concerns, written wherever it applies:
//   masking_black_box    a black-box attack (Square) leaves accuracy lower than the strongest
//                        iterative white-box attack of its norm at the same eps, by more than
//                        AutoAttack's 0.2% (check_square_sr) and more than one example
//   masking_not_monotone an attack's accuracy rises from one eps to the next larger by more than
//                        the tolerance
//   masking_more_passes  an attack spending at least 10x the model passes of another gradient
//                        attack of its norm (more iterations, restarts or targets) leaves
//                        accuracy above it by more than the tolerance
//   masking_large_eps    at L∞ eps >= 0.5 every image can be moved to the same grey image, so an
//                        attack leaving accuracy above the largest class's share of the test set
//                        (plus the tolerance) failed to find what exists
// The tolerance is one point or 3 examples, whichever is more: random attacks move by a few
// examples between draws.
import { getPerturbation } from '../perturb/registry.ts';
import type { Threat } from '../perturb/perturbation.ts';
import type { SweepPoint } from './robustness.ts';
import { M } from './catalog.ts';

/** The checks' metrics (catalog.ts). */
export const MASKING_CHECKS = [M.maskingBlackBox, M.maskingNotMonotone, M.maskingMorePasses, M.maskingLargeEps] as const;
type MaskingCheck = (typeof MASKING_CHECKS)[number];

export interface MaskingResult {
  /** The metric's name. */
  readonly check: string;
  readonly perturbation: string;
  readonly severity: number;
  /** 1: the check fails (a sign of masking); 0: it passes. */
  readonly value: 0 | 1;
  /** What was compared, for a person: "square 41.0% < apgd_t 45.3% at eps 0.05". */
  readonly detail: string;
}

/** AutoAttack's threshold for Square beating the white-box attacks (checks.py, check_square_sr). */
export const BLACK_BOX_ALPHA = 0.002;
/** The L∞ radius from which one grey image is reachable from every image in [0, 1]. */
export const LARGE_EPS = 0.5;

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

interface Attacked {
  readonly name: string;
  readonly threat: Threat;
  readonly severity: number;
  readonly accuracy: number;
}

/** The checks for one cell's points; `classCounts` (test examples per class) sets the test set's size. */
export function maskingChecks(points: readonly SweepPoint[], classCounts?: readonly number[]): MaskingResult[] {
  const n = classCounts?.reduce((a, b) => a + b, 0) ?? 0;
  const tol = Math.max(0.01, n ? 3 / n : 0);
  const attacked: Attacked[] = points.flatMap((p) => {
    if (p.perturbation === 'clean' || !Number.isFinite(p.accuracy)) return [];
    const threat = getPerturbation(p.perturbation).threat;
    return threat ? [{ name: p.perturbation, threat, severity: p.severity, accuracy: p.accuracy }] : [];
  });
  const out: MaskingResult[] = [];
  const at = (a: Attacked, check: MaskingCheck, failed: boolean, detail: string) =>
    out.push({ check: check.name, perturbation: a.name, severity: a.severity, value: failed ? 1 : 0, detail });
  const gradient = (a: Attacked) => a.threat.access !== 'black';
  for (const a of attacked) {
    const peers = attacked.filter((b) => b !== a && b.severity === a.severity && b.threat.norm === a.threat.norm);
    if (a.threat.access === 'black') {
      const white = peers.filter((b) => b.threat.access === 'white' && b.threat.passes >= 10);
      if (white.length) {
        const best = white.reduce((x, y) => (y.accuracy < x.accuracy ? y : x));
        const alpha = Math.max(BLACK_BOX_ALPHA, n ? 1 / n : 0);
        at(
          a,
          M.maskingBlackBox,
          a.accuracy < best.accuracy - alpha,
          `${a.name} ${pct(a.accuracy)} against ${best.name} ${pct(best.accuracy)} at ${a.severity}`,
        );
      }
    }
    if (gradient(a)) {
      const weaker = peers.filter((b) => gradient(b) && a.threat.passes >= 10 * b.threat.passes);
      if (weaker.length) {
        const best = weaker.reduce((x, y) => (y.accuracy < x.accuracy ? y : x));
        at(
          a,
          M.maskingMorePasses,
          a.accuracy > best.accuracy + tol,
          `${a.name} ${pct(a.accuracy)} against ${best.name} ${pct(best.accuracy)} at ${a.severity}`,
        );
      }
    }
    const smaller = attacked.filter((b) => b.name === a.name && b.severity < a.severity).sort((x, y) => y.severity - x.severity)[0];
    if (smaller)
      at(
        a,
        M.maskingNotMonotone,
        a.accuracy > smaller.accuracy + tol,
        `${a.name} ${pct(a.accuracy)} at ${a.severity} against ${pct(smaller.accuracy)} at ${smaller.severity}`,
      );
    if (a.threat.norm === 'linf' && a.severity >= LARGE_EPS && classCounts && n) {
      const largest = Math.max(...classCounts) / n;
      at(a, M.maskingLargeEps, a.accuracy > largest + tol, `${a.name} ${pct(a.accuracy)} at ${a.severity}, largest class ${pct(largest)}`);
    }
  }
  return out;
}
