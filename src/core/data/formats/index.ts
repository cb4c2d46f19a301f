// The dataset formats a dataset can name.
import type { DataFormat } from './format.ts';
import { idx } from './idx.ts';
import { cifar10 } from './cifar10.ts';

const registry = new Map<string, DataFormat>([idx, cifar10].map((f) => [f.name, f]));

export function dataFormat(name: string): DataFormat {
  const f = registry.get(name);
  if (!f) throw new Error(`unknown dataset format "${name}"; known: ${[...registry.keys()].join(', ')}`);
  return f;
}
