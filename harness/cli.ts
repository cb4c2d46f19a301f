// The command line: a thin program over the library. Each subcommand is one file in
// harness/commands/ and one line in COMMANDS; this file builds the program and is the one
// error boundary that turns what went wrong into an exit code.
import { Command, CommanderError } from 'commander';
import { packageVersion } from '../src/core/util/package-root.ts';
import { ExternalError, InputError } from '../src/errors.ts';
import { EXIT } from './flags.ts';
import * as run from './commands/run.ts';
import * as evaluate from './commands/evaluate.ts';
import * as exportModel from './commands/export.ts';
import * as merge from './commands/merge.ts';
import * as compare from './commands/compare.ts';
import * as report from './commands/report.ts';
import * as history from './commands/history.ts';
import * as list from './commands/list.ts';
import * as data from './commands/data.ts';
import * as checkOptimizer from './commands/check-optimizer.ts';
import * as status from './commands/status.ts';

export { EXIT, positiveInt, seedList } from './flags.ts';

/** The subcommands, in the order `--help` lists them. */
const COMMANDS: readonly { register(program: Command): void }[] = [
  run,
  evaluate,
  status,
  exportModel,
  merge,
  compare,
  report,
  history,
  list,
  data,
  checkOptimizer,
];

export function buildProgram(): Command {
  const program = new Command('optrobust')
    .description('Does the optimizer you train with change how robust your model is?')
    .addHelpText(
      'after',
      '\nExit codes: 0 success; 1 a cell failed (run) or a regression (compare); 2 a usage or input error (nothing ' +
        'written);\n3 a write failed or an internal error; 130 interrupted (finish with --resume).',
    )
    .version(packageVersion(), '-V, --version', 'print the version')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const c of COMMANDS) c.register(program);
  return program;
}

/** Codes of a failed system call that the user's input explains (a path that is not what it should be). */
const INPUT_CODES: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a component of the path is not a folder',
  EISDIR: 'is a folder',
  EEXIST: 'already exists',
  ELOOP: 'a symbolic link loop',
  ENAMETOOLONG: 'the name is too long',
};
/** Codes of the world failing under a path: permissions, a read-only or full disk, I/O. */
const WORLD_CODES: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  EBUSY: 'busy',
};

/** A Node system error on a path, as a message and an exit code; undefined for anything else (a bug). */
function systemError(e: unknown): { message: string; code: number } | undefined {
  const x = e as NodeJS.ErrnoException;
  if (!(e instanceof Error) || typeof x.code !== 'string' || typeof x.syscall !== 'string') return undefined;
  const where = x.path ? `${x.path}${(x as { dest?: string }).dest ? ` -> ${(x as { dest?: string }).dest}` : ''}` : x.syscall;
  if (INPUT_CODES[x.code]) return { message: `${where}: ${INPUT_CODES[x.code]} (${x.syscall})`, code: EXIT.input };
  return { message: `${where}: ${WORLD_CODES[x.code] ?? x.code} (${x.syscall})`, code: EXIT.fault };
}

/**
 * The one error boundary: input problems (InputError: a flag, suite, data file or run folder)
 * exit 2 with their message; a failed write exits 3 naming the file; anything else is a fault,
 * shown with its stack, exit 3.
 */
export async function main(argv: string[], program: Command = buildProgram()): Promise<number> {
  if (argv.length === 0) {
    // No command: say what there is (a bare `optrobust` never starts a run in the current folder).
    process.stdout.write(program.helpInformation());
    return EXIT.ok;
  }
  // Actions report their status through process.exitCode; a previous call in the same process must not leak into this one.
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.input;
    if (e instanceof InputError) {
      process.stderr.write(`optrobust: ${e.message}\n`);
      return EXIT.input;
    }
    if (e instanceof ExternalError) {
      process.stderr.write(`optrobust: ${e.message}\n`);
      return EXIT.fault;
    }
    // A system call that failed on a path is the world's or the user's doing, not a bug: say which path and why, no stack.
    const sys = systemError(e);
    if (sys) {
      process.stderr.write(`optrobust: ${sys.message}\n`);
      return sys.code;
    }
    process.stderr.write(`optrobust: internal error (please report it with the lines below)\n${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT.fault;
  }
}
