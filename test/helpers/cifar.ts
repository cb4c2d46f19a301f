// Small folders in CIFAR-10's real binary format: 3,073-byte records (label, then 1,024 red,
// 1,024 green and 1,024 blue bytes), five training batches and a test batch.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const RECORD = 3073;

/** `count` records: labels cycle 0..9; each image is a colour gradient with the label's hue, plus seeded noise. */
export function cifarRecords(count: number, seed: number): Buffer {
  const out = Buffer.alloc(count * RECORD);
  let s = seed * 7919 + 1;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648), s / 2147483648);
  for (let r = 0; r < count; r++) {
    const label = (r + seed) % 10;
    out[r * RECORD] = label;
    for (let c = 0; c < 3; c++)
      for (let p = 0; p < 1024; p++) {
        const row = Math.floor(p / 32);
        const base = c === label % 3 ? 200 : 40;
        out[r * RECORD + 1 + c * 1024 + p] = Math.min(255, Math.floor(base * (0.5 + row / 64) + 40 * rand()));
      }
  }
  return out;
}

/** A CIFAR-10 binary folder with `perBatch` training records per batch and `test` test records. */
export function writeCifarFolder(dir: string, perBatch: number, test: number): string {
  mkdirSync(dir, { recursive: true });
  for (let b = 1; b <= 5; b++) writeFileSync(join(dir, `data_batch_${b}.bin`), cifarRecords(perBatch, b));
  writeFileSync(join(dir, 'test_batch.bin'), cifarRecords(test, 6));
  return dir;
}
