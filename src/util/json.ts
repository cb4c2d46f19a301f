// JSON that keeps non-finite numbers (a diverged run's NaN loss must survive the store).
const TAG = '__nonfinite__';

export function stringifyExact(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { [TAG]: String(v) } : v));
}

export function parseExact<T>(text: string): T {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v && typeof v === 'object' && TAG in v) return Number((v as Record<string, string>)[TAG]);
    return v;
  }) as T;
}
