// The registries a suite names from: each entry's key is its own `name` (the keys are the
// PerturbationName and OptimizerName types, so a key that differed would type-check a name the
// run then cannot find), and every name is listed.
import { describe, expect, it } from 'vitest';
import { getPerturbation, listPerturbations } from '../../src/measure/perturb/registry.ts';
import { listOptimizers, optimizerDefinition } from '../../src/core/optim/registry.ts';

describe('registries', () => {
  it('every perturbation is found by the name it carries', () => {
    const names = listPerturbations();
    expect(names.length).toBeGreaterThan(30);
    for (const name of names) expect(getPerturbation(name).name).toBe(name);
  });
  it('every built-in optimizer is found by the name it carries', () => {
    const names = listOptimizers();
    expect(names).toContain('schedulefree_adamw');
    for (const name of names) expect(optimizerDefinition(name).name).toBe(name);
  });
});
