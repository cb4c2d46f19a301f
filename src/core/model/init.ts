// PyTorch's default initialisation. Linear and Conv2d: weights Kaiming-uniform with
// a = sqrt(5), i.e. U(±gain·sqrt(3/fan_in)) with gain = sqrt(2/(1+a²)), which is
// U(±1/sqrt(fan_in)); biases U(±1/sqrt(fan_in)). Same bound, drawn tensor by tensor.
// BatchNorm: weight 1, bias 0, running mean 0, running variance 1 (constants draw nothing,
// so adding them to a model leaves the other tensors' draws unchanged). Keras' Dense, on
// request: kernel glorot_uniform U(±sqrt(6/(fan_in + fan_out))), bias 0.
import type { ParamSpec } from './layer.ts';
import { size } from './layer.ts';
import type { Rng } from '../util/rng.ts';

export function initTensors(specs: readonly ParamSpec[], rng: Rng): Float32Array[] {
  return specs.map((p) => {
    const t = new Float32Array(size(p.shape));
    if (p.init.kind === 'constant') return t.fill(p.init.value);
    const bound = p.init.kind === 'glorot' ? Math.sqrt(6 / (p.init.fanIn + p.init.fanOut)) : 1 / Math.sqrt(p.init.fanIn);
    for (let i = 0; i < t.length; i++) t[i] = (2 * rng() - 1) * bound;
    return t;
  });
}
