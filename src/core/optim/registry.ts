// The optimizers a suite can name. Adding one is one file and one line here.
import { instantiate, type Optimizer, type OptimizerDefinition, type Options } from './optimizer.ts';
import { sgd } from './sgd.ts';
import { rmsprop } from './rmsprop.ts';
import { adagrad } from './adagrad.ts';
import { adadelta } from './adadelta.ts';
import { adam } from './adam.ts';
import { adamw } from './adamw.ts';
import { adamax } from './adamax.ts';
import { nadam } from './nadam.ts';
import { radam } from './radam.ts';
import { lion } from './lion.ts';
import { adabelief } from './adabelief.ts';
import { lamb } from './lamb.ts';
import { schedulefreeAdamw, schedulefreeSgd } from './schedulefree.ts';
import { adafactor } from './adafactor.ts';
import { muon } from './muon.ts';
import { sophia } from './sophia.ts';

// Each definition keeps its own option and state types; the registry only needs the shape.
type AnyDefinition = OptimizerDefinition<Options, unknown>;
const registry = new Map<string, AnyDefinition>(
  (
    [
      sgd,
      rmsprop,
      adagrad,
      adadelta,
      adam,
      adamw,
      adamax,
      nadam,
      radam,
      lion,
      adabelief,
      lamb,
      schedulefreeSgd,
      schedulefreeAdamw,
      adafactor,
      muon,
      sophia,
    ] as unknown as AnyDefinition[]
  ).map((d) => [d.name, d]),
);

export function listOptimizers(): string[] {
  return [...registry.keys()];
}

export function optimizerDefinition(name: string): AnyDefinition {
  const def = registry.get(name);
  if (!def) throw new Error(`unknown optimizer "${name}"; known: ${listOptimizers().join(', ')}`);
  return def;
}

/** A fresh optimizer with validated options; state is created at its first step. */
export function createOptimizer(name: string, options: Readonly<Record<string, unknown>> = {}): Optimizer {
  return instantiate(optimizerDefinition(name), options);
}
