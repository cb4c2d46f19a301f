// `every` over an empty array is true: an assertion written as expect(xs.every(p)) passes when
// xs came out empty by mistake. This one fails then.
import { expect } from 'vitest';

export function expectEvery<T>(
  xs: ArrayLike<T> & { every(p: (x: T, i: number) => boolean): boolean },
  predicate: (x: T, i: number) => boolean,
  message?: string,
): void {
  expect(xs.length, `${message ? `${message}: ` : ''}expected a non-empty collection`).toBeGreaterThan(0);
  const bad = Array.from(xs).findIndex((x, i) => !predicate(x, i));
  expect(bad, `${message ? `${message}: ` : ''}element ${bad} fails: ${JSON.stringify(Array.from(xs)[bad] ?? null)?.slice(0, 300)}`).toBe(-1);
}
