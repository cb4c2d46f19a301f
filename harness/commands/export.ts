import { checkOutputFile } from '../../src/core/util/paths.ts';
import { join } from 'node:path';
import type { Command } from 'commander';
import { exportCell } from '../../src/run/experiment/export.ts';
import { writeFileAtomic } from '../../src/core/util/atomic.ts';
import { readManifest } from '../../src/run/experiment/manifest.ts';
import { suiteModels } from '../../src/run/experiment/grid.ts';
import { seedList } from '../flags.ts';

export function register(program: Command): void {
  program
    .command('export')
    .description("write a trained cell's model as a standalone ONNX file (weights inside, batch norm in evaluation form)")
    .argument('<dir>', 'run directory')
    .requiredOption('--optimizer <label>', 'the optimizer entry that trained it')
    .requiredOption('--seed <n>', 'its seed', (v: string) => seedList(v)[0]!)
    .option('--model <label>', 'the model, when the suite has several')
    .option('--regime <label>', 'the training regime, when the suite has several')
    .option('--out <file.onnx>', 'where to write it (default <dir>/models/[<model>-]<optimizer>-seed<n>.onnx)')
    .action((dir: string, flags: { optimizer: string; seed: number; model?: string; regime?: string; out?: string }) => {
      if (flags.out !== undefined) checkOutputFile(flags.out, '--out');
      const { bytes, key } = exportCell(dir, flags);
      const several = suiteModels(readManifest(dir).config.suite).length > 1;
      const out = flags.out ?? join(dir, 'models', `${several ? `${key.model}-` : ''}${key.optimizer}-seed${key.seed}.onnx`);
      if (flags.out === undefined) checkOutputFile(out, 'the default output');
      writeFileAtomic(out, bytes);
      process.stderr.write(
        `wrote ${out} (${(bytes.length / 1024).toFixed(0)} KiB): input "x" [N, ` +
          `${readManifest(dir).config.data.shape!.join(', ')}] in [0, 1] pixels, output "logits"\n`,
      );
    });
}
