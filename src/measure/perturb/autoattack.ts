// AutoAttack's standard version (Croce & Hein, ICML 2020; github.com/fra31/auto-attack,
// autoattack.py run_standard_evaluation with version='standard'), L∞ and L2: APGD-CE (100
// iterations, 1 restart), APGD-T (9 target classes), FAB-T (9 target classes) and Square (5,000
// queries), in that order, each run only on the examples every earlier attack left correctly
// classified; an example counts as broken by the first attack whose point the model
// misclassifies, and its image is that point. Robust accuracy is the per-example worst case.
import type { Perturbation, PerturbInput } from './perturbation.ts';
import { AUTOATTACK_APGD, apgdT, autoApgd, type ApgdNorm } from './apgd.ts';
import { FAB, fabAttack, fabT } from './fab.ts';
import { SQUARE, square, squareAttack } from './square.ts';
import { argmaxCorrect, gather, indicesOf, scatter } from './logits.ts';

/** The attacks in AutoAttack's order: each takes the examples still robust and returns images for all. */
export const AUTOATTACK_STEPS: readonly {
  readonly name: string;
  run(norm: ApgdNorm, input: PerturbInput, eps: number, robust: Uint8Array): Promise<Float32Array>;
}[] = [
  { name: 'apgd-ce', run: (norm, input, eps, robust) => autoApgd({ norm, loss: 'ce', name: 'autoattack' }, input, eps, robust) },
  { name: 'apgd-t', run: (norm, input, eps, robust) => autoApgd({ norm, loss: 'dlr_targeted', name: 'autoattack' }, input, eps, robust) },
  { name: 'fab-t', run: (norm, input, eps, robust) => fabAttack({ norm }, input, eps, robust) },
  { name: 'square', run: (norm, input, eps, robust) => squareAttack({ norm }, input, eps, robust) },
];

/** Model passes on an example that survives everything: APGD-CE, APGD-T, FAB-T and Square. */
const AUTOATTACK_PASSES = AUTOATTACK_APGD.steps * (1 + AUTOATTACK_APGD.targets) + 2 * FAB.steps * FAB.targets + SQUARE.queries;

export interface AutoAttackResult {
  readonly images: Float32Array;
  /** Per example: the index in AUTOATTACK_STEPS of the attack that broke it; -1 robust; -2 misclassified clean. */
  readonly brokenBy: Int8Array;
}

export async function autoAttack(norm: ApgdNorm, input: PerturbInput, eps: number): Promise<AutoAttackResult> {
  const { images, labels, count, gradient } = input;
  if (!gradient?.logits || !gradient.withLogits || !gradient.lossGrad) throw new Error('autoattack: needs a gradient oracle with logits and the attack losses');
  const adv = Float32Array.from(images);
  const robust = argmaxCorrect(await gradient.logits(images, count), labels, count);
  const brokenBy = Int8Array.from(robust, (r) => (r ? -1 : -2));
  if (eps === 0) return { images: adv, brokenBy };
  for (const [k, step] of AUTOATTACK_STEPS.entries()) {
    const idx = indicesOf(robust);
    if (!idx.length) break;
    const out = await step.run(norm, input, eps, Uint8Array.from(robust));
    const rows = gather(out, count, idx);
    const fooled = argmaxCorrect(await gradient.logits(rows, idx.length), gather(labels, count, idx), idx.length).map((c) => 1 - c);
    scatter(adv, count, idx, rows, fooled);
    idx.forEach((i, j) => {
      if (!fooled[j]) return;
      robust[i] = 0;
      brokenBy[i] = k;
    });
  }
  return { images: adv, brokenBy };
}

function makeAutoAttack(norm: ApgdNorm): Perturbation {
  const linf = norm === 'linf';
  return {
    name: linf ? 'autoattack' : 'autoattack_l2',
    description:
      `AutoAttack's standard ensemble (Croce & Hein 2020), ${linf ? 'L-inf' : 'L2'}: ` + 'APGD-CE, APGD-T, FAB-T, Square, each on the examples still unbroken',
    severity: { unit: linf ? 'eps (L-inf)' : 'eps (L2)', min: 0, max: linf ? 1 : 100 },
    needsGradient: true,
    threat: { norm, access: 'ensemble', passes: AUTOATTACK_PASSES },
    // Its attacks' largest: APGD-T's.
    minClasses: Math.max(...[apgdT, fabT, square].map((p) => p.minClasses ?? 2)),
    apply: async (input, eps) => (await autoAttack(norm, input, eps)).images,
    stages: AUTOATTACK_STEPS.map((s) => s.name),
    applyStaged: (input, eps) => autoAttack(norm, input, eps),
  };
}

export const autoattack = makeAutoAttack('linf');
export const autoattackL2 = makeAutoAttack('l2');
