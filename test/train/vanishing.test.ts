// Vanishing gradients in a deep sigmoid MLP at PyTorch's default initialisation, against
// what the mathematics predicts (not against the code's own output).
//
// A hidden layer computes h = σ(W x + b) with W [n_out, n_in] uniform on ±1/√n_in, so each
// weight has variance 1/(3 n_in). Backpropagation sends δ_in = Wᵀ (σ'(z) ⊙ δ_out); over the
// weights' randomness E‖δ_in‖² = ‖σ'(z) ⊙ δ_out‖² / 3, and σ' ≤ 1/4 (near 1/4 for the small
// pre-activations this initialisation gives: |z| ≲ 0.6, where σ' ≥ 0.23). So each sigmoid
// layer shrinks the backpropagated gradient by a factor between about 0.23/√3 ≈ 0.13 and
// (1/4)/√3 ≈ 0.144; the weight gradient of a layer, the outer product of that gradient with
// the layer's input (sigmoid outputs of similar norm from layer to layer), shrinks alike.
// That is the expectation over the weights; one network's ratio is a ratio of norms of
// 256-unit vectors, each known to a relative standard deviation of about 1/√(2·256) ≈ 4.4%
// (a chi-distributed norm), so a single layer's ratio lies within three of those of the
// range: 0.13·(1 - 0.132) ≈ 0.113 to 0.144·(1 + 0.132) ≈ 0.163.
// Across a 10-layer MLP's 8 hidden-to-hidden steps the first layer's weight gradient is then
// some 0.14^8 ≈ 1.5e-7 of the last's (times the input's norm over a hidden layer's): far
// below the tenth the claim needs.
import { describe, expect, it } from 'vitest';
import { Network } from '../../src/core/model/network.ts';
import { loadDataset } from '../../src/core/data/sources.ts';
import { train } from '../../src/run/train/train.ts';
import { limitSplit } from '../../src/run/experiment/phases/shared.ts';
import { firstLastRatios } from '../../src/run/experiment/phases/main.ts';
import { tensorInfo } from '../../src/run/experiment/phases/main.ts';

describe('a 10-layer sigmoid MLP at initialisation', () => {
  it("has a first-layer gradient below a tenth of the last layer's, shrinking by 0.113-0.163 per hidden layer as derived", async () => {
    const ds = loadDataset('fashion-mnist-subset');
    const net = new Network({ kind: 'mlp', hidden: Array(9).fill(256), activation: 'sigmoid' }, ds.shape, 10);
    const r = await train(net, limitSplit(ds.train, 128), { seed: 0, epochs: 1, batchSize: 128, optimizer: 'sgd', optimizerOptions: { lr: 0 } });
    const step = r.steps[0]!;
    const weights = net.params.map((p, i) => ({ p, norm: step.tensorGradNorms[i]! })).filter(({ p }) => p.name.endsWith('.weight'));
    expect(weights).toHaveLength(10);
    // The metric results.csv reports for it.
    const [ratio] = firstLastRatios({ tensors: tensorInfo(net), steps: [step] } as never);
    expect(ratio).toBeLessThan(0.1);
    expect(ratio).toBeCloseTo(weights[0]!.norm / weights[9]!.norm, 12);
    // Hidden-to-hidden layers 2..9: each weight gradient 0.13-0.144 of the next one's in expectation, within three standard deviations of a 256-unit norm.
    const low = 0.13 * (1 - 3 / Math.sqrt(2 * 256));
    const high = (0.25 / Math.sqrt(3)) * (1 + 3 / Math.sqrt(2 * 256));
    for (let l = 1; l < 8; l++) {
      const shrink = weights[l]!.norm / weights[l + 1]!.norm;
      expect(shrink, `layer ${l + 1} against ${l + 2}`).toBeGreaterThan(low);
      expect(shrink, `layer ${l + 1} against ${l + 2}`).toBeLessThan(high);
    }
  });
});
