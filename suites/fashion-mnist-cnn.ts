// Nightly: the full Fashion-MNIST (60,000 / 10,000) with the small CNN.
import { nightlySuite } from './nightly.ts';

export default nightlySuite(
  'fashion-mnist-cnn',
  'full Fashion-MNIST, cnn (conv32, conv64/2, conv64/2, dense10), 12 optimizers x 5 seeds, 10 epochs, every perturbation',
  { kind: 'cnn' },
);
