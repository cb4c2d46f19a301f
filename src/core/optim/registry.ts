// The optimizers a suite can name. Adding one is one file and one line here.
import { instantiate, type Optimizer, type OptimizerDefinition, type Options } from './optimizer.ts';
import { InputError } from '../../errors.ts';
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
// Keyed by name, so that a suite's optimizer names are a type (OptimizerName): a typo fails to
// compile. Each key is its definition's own name (test/perturb/registry.test.ts). `entry` erases
// each definition's option and state types, which the published declarations cannot name.
const entry = (d: unknown) => d as AnyDefinition;
const DEFINITIONS = {
  sgd: entry(sgd),
  rmsprop: entry(rmsprop),
  adagrad: entry(adagrad),
  adadelta: entry(adadelta),
  adam: entry(adam),
  adamw: entry(adamw),
  adamax: entry(adamax),
  nadam: entry(nadam),
  radam: entry(radam),
  lion: entry(lion),
  adabelief: entry(adabelief),
  lamb: entry(lamb),
  schedulefree_sgd: entry(schedulefreeSgd),
  schedulefree_adamw: entry(schedulefreeAdamw),
  adafactor: entry(adafactor),
  muon: entry(muon),
  sophia: entry(sophia),
};

/** A built-in optimizer's name. */
export type OptimizerName = keyof typeof DEFINITIONS;

declare const defined: unique symbol;
/** The name of an optimizer made with defineOptimizer (its `name`): a suite may name it too. */
export type DefinedOptimizerName = string & { readonly [defined]: true };

const BUILT_IN = new Map<string, AnyDefinition>(Object.entries(DEFINITIONS));

// One registry per process, not per copy of this module: a suite file run from a checkout may
// import the TypeScript sources while the command runs their compiled twin (.build/), and an
// optimizer it defines must be found by both.
const SHARED = Symbol.for('optrobust.optimizerRegistry');
const registry: Map<string, AnyDefinition> = ((globalThis as { [SHARED]?: Map<string, AnyDefinition> })[SHARED] ??= new Map(BUILT_IN));
const builtIn = new Set(BUILT_IN.keys());

/**
 * Adds an optimizer defined outside the package (defineOptimizer). A built-in's name is
 * refused; defining the same name again (its module imported again) replaces it.
 */
export function registerOptimizer(def: AnyDefinition): void {
  if (builtIn.has(def.name)) throw new InputError(`defineOptimizer "${def.name}": that is a built-in optimizer's name; choose another`);
  registry.set(def.name, def);
}

/** Whether `name` was defined outside the package (its module must be imported wherever it runs). */
export const isUserOptimizer = (name: string): boolean => registry.has(name) && !builtIn.has(name);

export function listOptimizers(): string[] {
  return [...registry.keys()];
}

export function optimizerDefinition(name: string): AnyDefinition {
  const def = registry.get(name);
  if (!def)
    throw new InputError(
      `unknown optimizer "${name}"; known: ${listOptimizers().join(', ')} (an optimizer made with defineOptimizer is known once its module is imported)`,
    );
  return def;
}

/** A fresh optimizer with validated options; state is created at its first step. */
export function createOptimizer(name: string, options: Readonly<Record<string, unknown>> = {}): Optimizer {
  return instantiate(optimizerDefinition(name), options);
}
