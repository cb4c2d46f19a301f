// `optrobust/suites`: the shipped suites as values, and the nightly optimizer and
// perturbation lists, for users who build their own suites on them, e.g.
//   defineSuite({ ...defaultSuite, optimizers: NIGHTLY_OPTIMIZERS })
export { NIGHTLY_OPTIMIZERS, NIGHTLY_PERTURBATIONS, nightlySuite } from './nightly.ts';
export { SHIPPED_SUITES } from './index.ts';
export { default as defaultSuite } from './default.ts';
export { default as smokeSuite } from './smoke.ts';
export { default as fashionMnistMlpSuite } from './fashion-mnist-mlp.ts';
export { default as fashionMnistCnnSuite } from './fashion-mnist-cnn.ts';
export { default as deepGradientsSuite } from './deep-gradients.ts';
export { default as seedArticleSuite } from './seed-article.ts';
export { default as cifar10CnnSuite } from './cifar10-cnn.ts';
export { default as adversarialTrainingSuite } from './adversarial-training.ts';
export { default as mechanismsSuite } from './mechanisms.ts';
export { default as modernOptimizersSuite } from './modern-optimizers.ts';
