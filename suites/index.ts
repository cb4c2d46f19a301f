// The shipped suites, by name. Adding one is one file and one line here.
export const SHIPPED_SUITES: Readonly<Record<string, string>> = {
  default: './default.ts',
  smoke: './smoke.ts',
  'fashion-mnist-mlp': './fashion-mnist-mlp.ts',
  'fashion-mnist-cnn': './fashion-mnist-cnn.ts',
  'deep-gradients': './deep-gradients.ts',
  'seed-article': './seed-article.ts',
  'cifar10-cnn': './cifar10-cnn.ts',
};
