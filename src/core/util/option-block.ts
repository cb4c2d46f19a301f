// An optional block of options in a suite (sharpness, robustRadius, fourier, tune, ...): each
// block's module declares its checks beside its defaults; this applies them the same way for
// every block, so every problem names the field, the value and what was expected.

/** A problem with a suite field: [field, value, expected]. */
export type FieldProblem = readonly [field: string, value: unknown, expected: string];

/** Per option, what is wrong with a value (what was expected), or undefined when it is fine. */
export type OptionChecks = Readonly<Record<string, (value: unknown) => string | undefined>>;

/** The first problem of `value` as the block `block` (absent is fine): not an object, an unknown option, or a bad value. */
export function optionBlockProblem(block: string, value: unknown, checks: OptionChecks, shape: string): FieldProblem | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [block, value, `${shape} (or leave it out)`];
  for (const [k, v] of Object.entries(value)) {
    if (!Object.hasOwn(checks, k)) return [`${block}.${k}`, v, `no such option (${Object.keys(checks).join(', ')})`];
    const expected = checks[k]!(v);
    if (expected !== undefined) return [`${block}.${k}`, v, expected];
  }
  return undefined;
}
