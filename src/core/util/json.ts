// JSON that keeps every number as itself: NaN, ±Infinity (a diverged run's loss) and -0
// are tagged, since plain JSON writes the first three as null and -0 as 0.
const TAG = '__nonfinite__';

const special = (v: number): boolean => !Number.isFinite(v) || Object.is(v, -0);

export const exactReplacer = (_k: string, v: unknown): unknown => (typeof v === 'number' && special(v) ? { [TAG]: Object.is(v, -0) ? '-0' : String(v) } : v);

export const exactReviver = (_k: string, v: unknown): unknown => (v && typeof v === 'object' && TAG in v ? Number((v as Record<string, string>)[TAG]) : v);

export function stringifyExact(value: unknown, indent?: number): string {
  return JSON.stringify(value, exactReplacer, indent);
}

export function parseExact<T>(text: string): T {
  return JSON.parse(text, exactReviver) as T;
}

/**
 * For files other programs read (compare.json, `--json`): standard JSON, numbers JSON cannot
 * hold (NaN, ±Infinity) written as the strings "NaN", "Infinity", "-Infinity", which
 * JavaScript's Number() and Python's float() read back.
 */
export const portableReplacer = (_k: string, v: unknown): unknown => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v);
