// The library's error boundary. An `InputError` is a problem with what the user gave
// (a flag, a suite, a data file, a run directory): the message names it and says what was
// expected, and the command line exits 2 without a stack trace. Anything else is a fault
// (an I/O failure, a bug) and is shown with its cause.

// Marks that make `instanceof InputError` (and ExternalError) hold across copies of this
// module: a suite file run from a checkout may import the TypeScript sources while the
// command runs their compiled twin (.build/), and its errors must still exit 2, not 3.
const INPUT = Symbol.for('optrobust.InputError');
const EXTERNAL = Symbol.for('optrobust.ExternalError');
const branded = (base: object, mark: symbol) =>
  function hasInstance(this: object, x: unknown): boolean {
    return Function.prototype[Symbol.hasInstance].call(this, x) || (this === base && typeof x === 'object' && x !== null && mark in x);
  };

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
    Object.defineProperty(this, INPUT, { value: true });
  }
  static override [Symbol.hasInstance] = branded(InputError, INPUT);
}

/** A bad command-line value, or a command that cannot run on what it was given. */
export class UsageError extends InputError {}

/**
 * The world failed, not the input nor the code: a disk that is full, a network that is down.
 * The message names the file or URL and the cause; the command line shows no stack and exits 3.
 */
export class ExternalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
    Object.defineProperty(this, EXTERNAL, { value: true });
  }
  static override [Symbol.hasInstance] = branded(ExternalError, EXTERNAL);
}

/**
 * A write that did not complete (disk full, permissions, I/O error). Finished work up to
 * the failed write is durable; the message names the file and how to continue.
 */
export class WriteError extends ExternalError {
  constructor(
    readonly file: string,
    readonly reason: unknown,
  ) {
    super(`cannot write ${file}: ${reason instanceof Error ? reason.message : String(reason)}`);
  }
}

/** A value as an error message shows it: JSON, but NaN, ±Infinity and -0 as themselves; long values cut. */
export function show(value: unknown): string {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (value === undefined) return 'undefined';
  let text: string;
  try {
    text =
      JSON.stringify(value, (_k, v: unknown) =>
        typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? `\u0000${Object.is(v, -0) ? '-0' : String(v)}\u0000` : v,
      ) ?? String(value);
  } catch {
    text = String(value);
  }
  text = text.replace(/"\\u0000(.*?)\\u0000"/g, '$1');
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
