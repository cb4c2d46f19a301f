// The perturbations a suite can name. Adding one is one file and one line here.
import type { Perturbation } from './perturbation.ts';
import { gaussianNoise } from './gaussian-noise.ts';
import { fgsm } from './fgsm.ts';
import { pgd } from './pgd.ts';
import { rotation } from './rotation.ts';
import { shotNoise } from './shot-noise.ts';
import { impulseNoise } from './impulse-noise.ts';
import { gaussianBlur } from './gaussian-blur.ts';
import { translate } from './translate.ts';
import { shear } from './shear.ts';
import { scale } from './scale.ts';
import { contrast } from './contrast.ts';
import { brightness } from './brightness.ts';
import { occlusion } from './occlusion.ts';
import { fgmL2 } from './fgm-l2.ts';
import { pgdL2 } from './pgd-l2.ts';
import { highpassNoise, lowpassNoise } from './band-noise.ts';
import { apgd, apgdDlr, apgdDlrL2, apgdL2, apgdT, apgdTL2 } from './apgd.ts';
import { square, squareL2 } from './square.ts';
import { fabT, fabTL2 } from './fab.ts';
import { autoattack, autoattackL2 } from './autoattack.ts';
import { crown, crownL2, ibp } from './certified.ts';

// Keyed by name, so that a suite's perturbation names are a type (PerturbationName): a typo
// fails to compile. Each key is its perturbation's `name` (test/perturb/registry.test.ts).
const PERTURBATIONS = {
  gaussian_noise: gaussianNoise,
  lowpass_noise: lowpassNoise,
  highpass_noise: highpassNoise,
  fgsm,
  pgd,
  apgd,
  fgm_l2: fgmL2,
  pgd_l2: pgdL2,
  apgd_l2: apgdL2,
  rotation,
  shot_noise: shotNoise,
  impulse_noise: impulseNoise,
  gaussian_blur: gaussianBlur,
  translate,
  shear,
  scale,
  contrast,
  brightness,
  occlusion,
  apgd_dlr: apgdDlr,
  apgd_dlr_l2: apgdDlrL2,
  apgd_t: apgdT,
  apgd_t_l2: apgdTL2,
  fab_t: fabT,
  fab_t_l2: fabTL2,
  square,
  square_l2: squareL2,
  autoattack,
  autoattack_l2: autoattackL2,
  ibp,
  crown,
  crown_l2: crownL2,
} as const satisfies Record<string, Perturbation>;

/** A perturbation's name, as suites use it. */
export type PerturbationName = keyof typeof PERTURBATIONS;

const registry = new Map<string, Perturbation>(Object.entries(PERTURBATIONS));

/** The name suites use for unperturbed test data (severity 0). */
export const CLEAN = 'clean';

export function listPerturbations(): string[] {
  return [...registry.keys()];
}

export function getPerturbation(name: string): Perturbation {
  const p = registry.get(name);
  if (!p) throw new Error(`unknown perturbation "${name}"; known: ${CLEAN}, ${listPerturbations().join(', ')}`);
  return p;
}

/** A message naming the problem when perturbation `name` is not defined for data of `numClasses` classes. */
export function classesProblem(name: string, numClasses: number): string | undefined {
  if (name === CLEAN) return undefined;
  const min = getPerturbation(name).minClasses ?? 0;
  return numClasses >= min ? undefined : `${name} needs at least ${min} classes; the data has ${numClasses}`;
}

/** A message naming the problem when `severity` is not accepted by perturbation `name`. */
export function severityProblem(name: string, severity: unknown): string | undefined {
  const { severity: r } = getPerturbation(name);
  const ok = typeof severity === 'number' && Number.isFinite(severity) && severity >= r.min && severity <= r.max && (!r.integer || Number.isInteger(severity));
  if (ok) return undefined;
  const range = r.integer ? `an integer level ${r.min}-${r.max}` : `a number in [${r.min}, ${r.max}] (${r.unit})`;
  return `severity ${JSON.stringify(severity)} is not accepted by ${name}; expected ${range}`;
}
