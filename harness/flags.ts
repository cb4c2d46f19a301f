// What the commands share: exit codes and the parsers of flag values (each refuses a bad value
// with the flag, the value and what was expected).
import { cpus } from 'node:os';
import { InvalidArgumentError } from 'commander';
import { isSeed, MAX_SEED } from '../src/run/experiment/suite.ts';
import { UsageError } from '../src/errors.ts';

/** Exit codes, as documented in README.md and `optrobust --help`. */
export const EXIT = { ok: 0, failed: 1, input: 2, fault: 3, interrupted: 130 } as const;

/** A positive integer flag, at most `max` (a bound that catches typos such as an extra digit). */
export const positiveInt =
  (flag: string, max = 1_000_000, why = '') =>
  (v: string) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < 1 || n > max) throw new InvalidArgumentError(`${flag} expects an integer from 1 to ${max}${why}, got "${v}"`);
    return n;
  };
export const seedList = (v: string) => {
  const parts = v.split(',').map((s) => s.trim());
  if (parts.some((p) => !/^\d+$/.test(p) || !isSeed(Number(p))))
    throw new InvalidArgumentError(`--seeds expects comma-separated integers in 0..${MAX_SEED}, e.g. 0,1,2; got "${v}"`);
  return parts.map(Number);
};
/** --seeds of run: a list, or `auto` (the sequential procedure with its defaults, or the suite's own). */
export const seedsOption = (v: string): number[] | 'auto' => (v.trim() === 'auto' ? 'auto' : seedList(v));
/** Workers and threads beyond this many per core only oversubscribe the machine. */
export const PER_CORE = 8;
export const coreBound = () => PER_CORE * cpus().length;
export const nameList = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** An http(s) or file URL, checked before anything is fetched. */
export function checkUrl(v: string, flag: string): void {
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new UsageError(`${flag} ${JSON.stringify(v)}: not a URL; expected e.g. https://mirror.example.org/fashion-mnist/`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${flag} ${v}: a ${url.protocol} URL; expected http: or https:`);
}

export const positiveNumber = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError(`${flag} expects a positive number, got "${v}"`);
  return n;
};
export const numberList =
  (flag: string, positive = false) =>
  (v: string) => {
    const parts = v.split(',').map((p) => Number(p.trim()));
    if (parts.some((n) => !Number.isFinite(n) || (positive && n <= 0)))
      throw new InvalidArgumentError(`${flag} expects ${positive ? 'positive ' : ''}numbers separated by commas (one per channel, or one for all), got "${v}"`);
    return parts;
  };
/** A repeatable flag's values, in order. */
export const collect = (v: string, prev: string[] = []) => [...prev, v];
/** A number strictly between 0 and 1. */
export const fraction = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError(`${flag} expects a number between 0 and 1, got "${v}"`);
  return n;
};
/** Seconds, 0 allowed (off), at most a day. */
export const seconds = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!(v.trim() !== '' && Number.isFinite(n) && n >= 0 && n <= 86_400))
    throw new InvalidArgumentError(`${flag} expects seconds from 0 (off) to 86400, got "${v}"`);
  return n;
};
