// `npm run test:package` (CI): the package as a user gets it. Builds dist/, packs the
// tarball, installs it into a fresh project from npm's cache, and checks that
//   (a) plain Node ESM can import and use the library (createOptimizer, defineSuite, train, evaluate, runSuite);
//   (b) a strict NodeNext TypeScript consumer compiles against its types with skipLibCheck off,
//       and a misspelt optimizer or perturbation name fails to compile;
//   (c) `npx optrobust` works: --version, a bare command prints help, and a run of a user's
//       .mjs suite built on `optrobust/suites`;
// and that publint and arethetypeswrong find nothing wrong with the package.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';

const root = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };
const work = mkdtempSync(join(tmpdir(), 'optrobust-package-'));
const sh = (cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}) => {
  process.stdout.write(`$ ${cmd} ${args.join(' ')}\n`);
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
};

try {
  // `npm pack` builds dist/ itself (prepack): a pack from a clean clone ships the built package.
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  sh('npm', ['pack', '--pack-destination', work], root);
  const tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);
  const listed = sh('tar', ['-tzf', tarball], root);
  if (
    !listed.includes('package/dist/src/index.js') ||
    !listed.includes('package/dist/harness/cli.js') ||
    !listed.includes('package/tools/record_trajectory.py')
  )
    throw new Error(`${tarball} lacks dist/ or tools/: prepack did not build it`);

  sh('npx', ['publint', '--strict', tarball], root);
  // ESM only (Node >= 20): node10 and CommonJS resolution are out of scope by design.
  sh('npx', ['attw', tarball, '--profile', 'esm-only'], root);

  const app = join(work, 'app');
  sh('mkdir', ['-p', app], work);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // As a user on any npm would, so that onnxruntime-node's CUDA download never runs.
  writeFileSync(join(app, '.npmrc'), 'ignore-scripts=true\n');
  sh(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      tarball,
      `typescript@${pkg.devDependencies.typescript}`,
      `@types/node@${pkg.devDependencies['@types/node']}`,
    ],
    app,
  );

  // (a) the library from plain JavaScript
  writeFileSync(
    join(app, 'use.mjs'),
    `import { createOptimizer, defineSuite, train, evaluate, loadDataset, Network, runSuite } from 'optrobust';
const p = ` +
      `[new Float32Array([1, 2])];
const opt = createOptimizer('sgd', { lr: 0.5 });
opt.step(p, [new ` +
      `Float32Array([1, -1])]);
if (p[0][0] !== 0.5 || p[0][1] !== 2.5) throw new Error('sgd step: ' + p[0]);
const ` +
      `suite = defineSuite({ name: 'mine', description: 'consumer', dataset: 'fashion-mnist-subset', model: { kind: ` +
      `'mlp', hidden: [16] }, batchSize: 64, epochs: 1, optimizers: [{ name: 'adam', options: { lr: 0.01 } }], ` +
      `seeds: [0], perturbations: { gaussian_noise: [0.1] } });
const data = loadDataset(suite.dataset);
const net = ` +
      `new Network(suite.model, data.shape, 10);
const r = await train(net, data.train, { seed: 0, epochs: 1, ` +
      `batchSize: 64, optimizer: 'adam', optimizerOptions: { lr: 0.01 } });
const s = await evaluate(net, r.weights, ` +
      `data.test);
if (!(s.accuracy > 0.5)) throw new Error('accuracy ' + s.accuracy);
console.log('library ok', ` +
      `s.accuracy);
const run = await runSuite(defineSuite({ ...suite, name: 'api', trainLimit: 512, testLimit: 256 }), { out: 'api-run' });
` +
      `if (run.failures !== 0 || run.records.length !== 1) throw new Error('runSuite: ' + run.failures + ' failures');
` +
      `console.log('runSuite ok', run.view.summary.length, run.files.report);
`,
  );
  const used = sh('node', ['use.mjs'], app);
  assert.match(used, /library ok 0\.\d+/);
  assert.match(used, /runSuite ok \d+ api-run\/report\.html/);

  // (b) a strict NodeNext TypeScript consumer, library types checked (skipLibCheck off)
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, noEmit: true, types: ['node'] },
      files: ['use.ts'],
    }),
  );
  writeFileSync(
    join(app, 'use.ts'),
    `import { createOptimizer, defineSuite, runSuite, type RunResult, type Suite, type Optimizer, type Perturbation, getPerturbation } from 'optrobust';
import { NIGHTLY_OPTIMIZERS, defaultSuite } from 'optrobust/suites';
import { RunStore, runPhases } from 'optrobust/internals';
export const internals = [RunStore.name, runPhases.name];
const opt: Optimizer = createOptimizer('adamw', { lr: 1e-3 });
const suite: Suite = defineSuite({ ...defaultSuite, name: 'mine', optimizers: NIGHTLY_OPTIMIZERS.slice(0, 2), reference: undefined });
const p: Perturbation = getPerturbation('fgsm');
export const summary = [opt.name, suite.optimizers.length, p.severity.unit];
export const later = (): Promise<RunResult> => runSuite(suite, { out: 'later', workers: 2, threads: 1 });
`,
  );
  sh('npx', ['tsc', '-p', '.'], app);
  // The public index is what users need; the harness's building blocks are behind optrobust/internals.
  const keys = "import * as o from 'optrobust'; import * as i from 'optrobust/internals'; console.log(JSON.stringify([Object.keys(o), Object.keys(i)]))";
  const index = sh('node', ['--input-type=module', '-e', keys], app);
  const [publicNames, internalNames] = JSON.parse(index) as [string[], string[]];
  for (const name of ['runSuite', 'defineSuite', 'defineOptimizer', 'getPerturbation', 'readManifest']) assert.ok(publicNames.includes(name), name);
  for (const name of ['RunStore', 'runPhases', 'ModelBuilder', 'runGrid', 'buildGraph']) {
    assert.ok(!publicNames.includes(name), `${name} is internal`);
    assert.ok(internalNames.includes(name), `${name} in optrobust/internals`);
  }
  assert.ok(publicNames.length < 110, `the public index has ${publicNames.length} values`);
  // Built-in names are types: a misspelt optimizer or perturbation fails to compile.
  writeFileSync(
    join(app, 'typo.ts'),
    `import { defineSuite } from 'optrobust';
import { smokeSuite } from 'optrobust/suites';
export const a = defineSuite({ ...smokeSuite, name: 'a', optimizers: [{ name: 'adamm' }] });
export const b = defineSuite({ ...smokeSuite, name: 'b', perturbations: { fgsmm: [0.1] } });
export const c = defineSuite({ ...smokeSuite, name: 'c', dataset: 'mnistt' });
export const d = defineSuite({ ...smokeSuite, name: 'd', dataset: 'mnist' });
`,
  );
  writeFileSync(join(app, 'tsconfig.typo.json'), JSON.stringify({ extends: './tsconfig.json', files: ['typo.ts'] }));
  let typos = '';
  try {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.typo.json'], { cwd: app, encoding: 'utf8' });
  } catch (e) {
    typos = String((e as { stdout?: string }).stdout);
  }
  assert.match(typos, /typo\.ts\(3,\d+\): error TS\d+: Type '"adamm"' is not assignable/);
  assert.match(typos, /typo\.ts\(4,\d+\): error TS\d+: .*'fgsmm' does not exist/);
  assert.match(typos, /typo\.ts\(5,\d+\): error TS\d+: Type '"mnistt"' is not assignable/);
  // A built-in name, and a resolved suite's own (spread), compile.
  assert.doesNotMatch(typos, /typo\.ts\((1|2|6),/);

  // (c) the command line
  assert.equal(sh('npx', ['optrobust', '--version'], app).trim(), pkg.version);
  assert.match(sh('npx', ['optrobust'], app), /Usage: optrobust/);
  writeFileSync(
    join(app, 'suite.mjs'),
    `import { defineSuite } from 'optrobust';
import { smokeSuite } from 'optrobust/suites';
export default defineSuite({ ...smokeSuite, name: 'consumer-smoke' });
`,
  );
  const run = sh('npx', ['optrobust', 'run', '--suite', './suite.mjs', '--out', 'run', '--workers', '2'], app, { CI: '1' });
  assert.match(run, /optimizer\s+clean\s+gaussian_noise/);
  const results = readFileSync(join(app, 'run', 'results.csv'), 'utf8');
  assert.match(results.split('\n')[1]!, /^consumer-smoke,/);
  process.stdout.write('\npackage ok: library, types, command line, publint, arethetypeswrong\n');
} finally {
  rmSync(work, { recursive: true, force: true });
}
