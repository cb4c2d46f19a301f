// `optrobust check-optimizer [MODULE] --trajectory T.json`: an optimizer (a built-in, or one
// MODULE defines with defineOptimizer) replayed against a trajectory recorded from another
// implementation; exit 0 when every step agrees within the tolerance, 1 naming the first
// step, tensor and value that does not.
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { MiB, readRegularText } from '../../src/core/util/paths.ts';
import { importOnce } from '../../src/core/util/import-module.ts';
import { checkTrajectory, DEFAULT_TOLERANCE, replayTrajectory, TrajectoryError } from '../../src/core/optim/trajectory.ts';
import { InputError, UsageError } from '../../src/errors.ts';
import { EXIT } from '../flags.ts';
import { existsSync } from 'node:fs';

const nonNegative = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!(Number.isFinite(n) && n >= 0)) throw new InvalidArgumentError(`${flag} expects a non-negative number, got "${v}"`);
  return n;
};

export function register(program: Command): void {
  program
    .command('check-optimizer')
    .description(
      'replay an optimizer against a trajectory recorded from PyTorch or JAX (tools/record_trajectory.py): the first step that differs, or agreement',
    )
    .argument('[module]', 'a module (.ts, .mts, .js, .mjs) that defines the optimizer with defineOptimizer; omit for a built-in optimizer')
    .requiredOption('--trajectory <file.json>', 'the recorded trajectory (format optrobust-trajectory/1)')
    .option('--rtol <x>', 'relative tolerance per value', nonNegative('--rtol'), DEFAULT_TOLERANCE.rtol)
    .option('--atol <x>', 'absolute tolerance per value', nonNegative('--atol'), DEFAULT_TOLERANCE.atol)
    .action(async (module: string | undefined, flags: { trajectory: string; rtol: number; atol: number }) => {
      if (module !== undefined) {
        if (!existsSync(module)) throw new UsageError(`check-optimizer ${module}: no such file`);
        try {
          await importOnce([resolve(module)]);
        } catch (e) {
          if (e instanceof InputError) throw e;
          throw new UsageError(`check-optimizer ${module}: the module could not be loaded: ${(e as Error).message}`);
        }
      }
      const text = readRegularText(flags.trajectory, {
        what: 'a trajectory (JSON)',
        maxBytes: 512 * MiB,
        error: (f, p) => new UsageError(`--trajectory ${f}: ${p}`),
      });
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        throw new TrajectoryError(`--trajectory ${flags.trajectory}: not valid JSON (${(e as Error).message})`);
      }
      const t = checkTrajectory(parsed, flags.trajectory);
      const r = await replayTrajectory(t, { rtol: flags.rtol, atol: flags.atol });
      if (r.ok) {
        process.stdout.write(
          `${t.optimizer}: ${r.steps} steps x ${r.values} values agree with ${flags.trajectory} ` +
            `(largest difference ${r.maxAbsError.toExponential(2)}; tolerance ${flags.atol} + ${flags.rtol}·|value|)\n`,
        );
        process.exitCode = EXIT.ok;
        return;
      }
      process.stderr.write(
        `${t.optimizer}: step ${r.step}, tensor ${r.tensor}, value ${r.index}: ${r.actual} where ${flags.trajectory} has ${r.expected} ` +
          `(difference ${Math.abs(r.actual - r.expected).toExponential(2)}; tolerance ${flags.atol} + ${flags.rtol}·|value|)\n`,
      );
      process.exitCode = EXIT.failed;
    });
}
