// The contract of a model family (a suite's `model: { kind, ... }`): it validates its own
// options, builds the graph of layers for an input shape and class count, and labels
// itself for reports. Adding a family is one file and one line in registry.ts.
import type { ModelGraph } from '../model.ts';
import type { Shape } from '../layer.ts';
import { ACTIVATIONS } from '../layers/activation.ts';
import { positiveInt } from '../../util/validate.ts';

/** A problem with one field of a spec: the field (under `model.`), its value, what was expected. */
export interface Problem {
  readonly field: string;
  readonly value: unknown;
  readonly expected: string;
}

export interface ModelFamily<S extends { readonly kind: string } = { readonly kind: string }> {
  readonly kind: S['kind'];
  /** One line for `optrobust list` and reports. */
  readonly description: string;
  /** The first problem with a spec (its kind already matched), or undefined. */
  validate(spec: Readonly<Record<string, unknown>>): Problem | undefined;
  build(spec: S, inShape: Shape, numClasses: number): ModelGraph;
  /** Fills in what a spec depends on outside itself (an imported file's absolute path and hash), once, when a suite is defined. */
  resolve?(spec: S): S;
  /** A short, stable label for reports and CSVs, e.g. "mlp[256,128]". */
  label(spec: S): string;
}

// Small checks the families share; each returns a Problem or undefined.
export { positiveInt };

export function checkFields(spec: Readonly<Record<string, unknown>>, known: readonly string[]): Problem | undefined {
  const unknown = Object.keys(spec).find((k) => k !== 'kind' && !known.includes(k));
  return unknown === undefined
    ? undefined
    : { field: unknown, value: spec[unknown], expected: `no such option for model kind "${String(spec.kind)}" (its options: ${known.join(', ') || 'none'})` };
}

export function checkActivation(spec: Readonly<Record<string, unknown>>, field = 'activation'): Problem | undefined {
  const v = spec[field];
  return v === undefined || ACTIVATIONS.includes(v as never) ? undefined : { field, value: v, expected: `one of ${ACTIVATIONS.join(', ')}` };
}

export function checkBoolean(spec: Readonly<Record<string, unknown>>, field: string): Problem | undefined {
  const v = spec[field];
  return v === undefined || typeof v === 'boolean' ? undefined : { field, value: v, expected: 'true or false' };
}

export function checkProbability(spec: Readonly<Record<string, unknown>>, field: string): Problem | undefined {
  const v = spec[field];
  return v === undefined || (typeof v === 'number' && v >= 0 && v < 1) ? undefined : { field, value: v, expected: 'a dropout probability in [0, 1)' };
}

export function checkOneOf(spec: Readonly<Record<string, unknown>>, field: string, allowed: readonly unknown[]): Problem | undefined {
  const v = spec[field];
  return v === undefined || allowed.includes(v) ? undefined : { field, value: v, expected: `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}` };
}

/** The first problem of several checks. */
export const first = (...checks: (() => Problem | undefined)[]): Problem | undefined => {
  for (const c of checks) {
    const p = c();
    if (p) return p;
  }
  return undefined;
};

/** "-sigmoid", "-bn", "-drop0.5": the options that differ from a family's defaults, for labels. */
export function optionSuffix(parts: readonly (string | false | undefined)[]): string {
  return parts
    .filter(Boolean)
    .map((p) => `-${p}`)
    .join('');
}
