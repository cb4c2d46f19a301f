// Nightly: the full Fashion-MNIST (60,000 / 10,000) with the MLP.
import { nightlySuite } from './nightly.ts';

export default nightlySuite('fashion-mnist-mlp', 'full Fashion-MNIST, mlp [256, 128], 12 optimizers x 5 seeds, 10 epochs, every perturbation', {
  kind: 'mlp',
  hidden: [256, 128],
});
