// The shipped suites, by name -> module (without extension: .ts in a checkout, .js once
// built). Adding one is one file and one line here.
export const SHIPPED_SUITES: Readonly<Record<string, string>> = {
  default: './default',
  smoke: './smoke',
  'fashion-mnist-mlp': './fashion-mnist-mlp',
  'fashion-mnist-cnn': './fashion-mnist-cnn',
  'deep-gradients': './deep-gradients',
  'seed-article': './seed-article',
  'cifar10-cnn': './cifar10-cnn',
  'adversarial-training': './adversarial-training',
  mechanisms: './mechanisms',
  'modern-optimizers': './modern-optimizers',
  'robust-evaluation': './robust-evaluation',
};
