import type { Command } from 'commander';
import { CLEAN, getPerturbation, listDatasets, listModels, listOptimizers, listPerturbations, optimizerDefinition } from '../../src/index.ts';
import { modelFamily } from '../../src/internals.ts';
import { datasetSource } from '../../src/core/data/sources.ts';
import { SHIPPED_SUITES } from '../../suites/index.ts';
import { loadSuite } from '../load-suite.ts';

export function register(program: Command): void {
  program
    .command('list')
    .description('list shipped suites, optimizers, perturbations, model families and datasets, each with what it is')
    .action(async () => {
      const section = (title: string, rows: readonly (readonly [string, string])[]) => {
        const w = Math.max(...rows.map(([n]) => n.length));
        return `${title}:\n${rows.map(([n, d]) => `  ${n.padEnd(w)}  ${d}`).join('\n')}`;
      };
      const suites = await Promise.all(Object.keys(SHIPPED_SUITES).map(async (n) => [n, (await loadSuite(n)).description] as const));
      const out = [
        section('suites', suites),
        section(
          'optimizers',
          listOptimizers().map((n) => [n, optimizerDefinition(n).description]),
        ),
        section('perturbations', [
          [CLEAN, 'the unperturbed test set'],
          ...listPerturbations().map((n) => {
            const p = getPerturbation(n);
            return [n, `${p.description} (severity: ${p.severity.unit})`] as const;
          }),
        ]),
        section(
          'models',
          listModels().map((k) => [k, modelFamily(k).description]),
        ),
        section(
          'datasets',
          listDatasets().map((n) => [n, datasetSource(n).description]),
        ),
      ];
      process.stdout.write(`${out.join('\n\n')}\n`);
    });
}
