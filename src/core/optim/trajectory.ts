// An optimizer checked step by step against a trajectory recorded from another
// implementation (PyTorch, JAX): the same initial parameters and gradients fed in, the
// parameters after every step compared. The trajectory is JSON, recorded by the script that
// ships with the package (tools/record_trajectory.py) or by anything that writes the format:
//   { "format": "optrobust-trajectory/1", "optimizer": "signum", "options": { "lr": 0.01 },
//     "tensors": [{ "name": "fc.weight", "shape": [4, 3], "role": "hidden" }],
//     "initial": [[...each tensor's values, row-major...]],
//     "steps": [{ "lr": 0.01, "grads": [[...]], "params": [[...]] }] }
// `role` (hidden, head, bias, norm) and each step's `lr` (a schedule's) are optional.
import { InputError, show } from '../../errors.ts';
import { createOptimizer } from './registry.ts';
import type { TensorRole } from '../model/layer.ts';

export const TRAJECTORY_FORMAT = 'optrobust-trajectory/1';

export interface Trajectory {
  readonly format: string;
  readonly optimizer: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly tensors: readonly { readonly name: string; readonly shape: readonly number[]; readonly role?: TensorRole }[];
  readonly initial: readonly (readonly number[])[];
  readonly steps: readonly { readonly lr?: number; readonly grads: readonly (readonly number[])[]; readonly params: readonly (readonly number[])[] }[];
}

export class TrajectoryError extends InputError {}

const ROLES = ['hidden', 'head', 'bias', 'norm'];

/** Checks the shape of a parsed trajectory; every problem names the field. */
export function checkTrajectory(t: unknown, source: string): Trajectory {
  const bad = (field: string, value: unknown, expected: string): never => {
    throw new TrajectoryError(`${source}: ${field} = ${show(value)}; expected ${expected}`);
  };
  if (typeof t !== 'object' || t === null) bad('trajectory', t, `an object (format "${TRAJECTORY_FORMAT}")`);
  const o = t as Record<string, unknown>;
  if (o.format !== TRAJECTORY_FORMAT) bad('format', o.format, `"${TRAJECTORY_FORMAT}"`);
  if (typeof o.optimizer !== 'string') bad('optimizer', o.optimizer, "an optimizer's name");
  if (typeof o.options !== 'object' || o.options === null || Array.isArray(o.options)) bad('options', o.options, 'an object of options');
  if (!Array.isArray(o.tensors) || o.tensors.length === 0) bad('tensors', o.tensors, 'a non-empty list of { name, shape }');
  const sizes = (o.tensors as unknown[]).map((x, i) => {
    const e = x as Record<string, unknown>;
    if (typeof e?.name !== 'string') bad(`tensors[${i}].name`, e?.name, 'a string');
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d > 0)) bad(`tensors[${i}].shape`, e.shape, 'a list of positive integers');
    if (e.role !== undefined && !ROLES.includes(e.role as string)) bad(`tensors[${i}].role`, e.role, ROLES.join(', '));
    return (e.shape as number[]).reduce((a, b) => a * b, 1);
  });
  const values = (v: unknown, field: string) => {
    if (!Array.isArray(v) || v.length !== sizes.length) bad(field, v, `one list of numbers per tensor (${sizes.length})`);
    (v as unknown[]).forEach((a, i) => {
      if (!Array.isArray(a) || a.length !== sizes[i])
        bad(`${field}[${i}]`, Array.isArray(a) ? `${a.length} values` : a, `${sizes[i]} numbers (shape of tensor ${i})`);
      if (!(a as unknown[]).every((x) => typeof x === 'number')) bad(`${field}[${i}]`, a, 'numbers');
    });
  };
  values(o.initial, 'initial');
  if (!Array.isArray(o.steps) || o.steps.length === 0) bad('steps', o.steps, 'a non-empty list of { grads, params }');
  (o.steps as unknown[]).forEach((s, k) => {
    const e = s as Record<string, unknown>;
    if (e?.lr !== undefined && !(typeof e.lr === 'number' && e.lr >= 0)) bad(`steps[${k}].lr`, e.lr, 'a non-negative number');
    values(e?.grads, `steps[${k}].grads`);
    values(e.params, `steps[${k}].params`);
  });
  return o as unknown as Trajectory;
}

export interface Tolerance {
  /** |ours - theirs| <= atol + rtol·|theirs| at every value. */
  readonly rtol: number;
  readonly atol: number;
}

export const DEFAULT_TOLERANCE: Tolerance = { rtol: 1e-5, atol: 1e-7 };

export type CheckResult =
  | { readonly ok: true; readonly steps: number; readonly values: number; readonly maxAbsError: number }
  | {
      readonly ok: false;
      readonly step: number;
      readonly tensor: string;
      readonly index: number;
      readonly expected: number;
      readonly actual: number;
      readonly maxAbsError: number;
    };

/** Replays the trajectory through optrobust's optimizer of that name; the first value outside the tolerance fails it. */
export async function replayTrajectory(t: Trajectory, tolerance: Tolerance = DEFAULT_TOLERANCE): Promise<CheckResult> {
  const opt = createOptimizer(t.optimizer, t.options);
  const params = opt.adopt(
    t.initial.map((v) => Float32Array.from(v)),
    t.tensors.map((x) => x.shape),
    t.tensors.map((x) => x.role ?? 'hidden'),
  );
  let maxAbsError = 0;
  for (let k = 0; k < t.steps.length; k++) {
    const s = t.steps[k]!;
    if (s.lr !== undefined) opt.lr = s.lr;
    const grads = s.grads.map((g) => Float32Array.from(g));
    await opt.stepAsync(params, grads);
    for (let i = 0; i < params.length; i++) {
      const ours = params[i]!;
      const theirs = s.params[i]!;
      for (let j = 0; j < ours.length; j++) {
        const err = Math.abs(ours[j]! - theirs[j]!);
        if (Number.isNaN(err) ? !(Number.isNaN(ours[j]!) && Number.isNaN(theirs[j]!)) : err > tolerance.atol + tolerance.rtol * Math.abs(theirs[j]!))
          return {
            ok: false,
            step: k + 1,
            tensor: t.tensors[i]!.name,
            index: j,
            expected: theirs[j]!,
            actual: ours[j]!,
            maxAbsError: Math.max(maxAbsError, err),
          };
        if (err > maxAbsError) maxAbsError = err;
      }
    }
  }
  return { ok: true, steps: t.steps.length, values: params.reduce((n, p) => n + p.length, 0), maxAbsError };
}
