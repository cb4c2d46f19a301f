// Exports the model test/helpers/attacked-model.ts trains (an mlp [32] on part of the
// Fashion-MNIST subset) for scripts/reference/autoattack_reference.py: its weights in
// parameter order and the number of test images the attack tests use.
// Run: node --import tsx scripts/reference/export-attacked.ts OUT.json
import { writeFileSync } from 'node:fs';
import { attackedModel } from '../../test/helpers/attacked-model.ts';

const { weights, test, clean } = await attackedModel();
writeFileSync(
  process.argv[2] ?? 'attacked.json',
  JSON.stringify({
    model: { kind: 'mlp', hidden: [32] },
    count: test.count,
    clean,
    weights: weights.map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength).toString('base64')),
  }),
);
