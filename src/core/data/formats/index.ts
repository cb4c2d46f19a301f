// The dataset formats: those of the built-in datasets (idx, cifar10) and those a user's
// dataset names with its options (image-folder, numpy).
import type { DataFormat } from './format.ts';
import { idx } from './idx.ts';
import { cifar10 } from './cifar10.ts';
import { imageFolder } from './image-folder.ts';
import { numpy } from './numpy.ts';

const registry = new Map<string, DataFormat>([idx, cifar10, imageFolder, numpy].map((f) => [f.name, f]));

export function dataFormat(name: string): DataFormat {
  const f = registry.get(name);
  if (!f) throw new Error(`unknown dataset format "${name}"; known: ${[...registry.keys()].join(', ')}`);
  return f;
}

/** The formats a user's dataset can name (those with options). */
export function userFormats(): string[] {
  return [...registry.values()].filter((f) => f.options).map((f) => f.name);
}
