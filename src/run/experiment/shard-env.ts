// `--shard auto`: the shard from the environment of the batch engine running this process.
// Each engine hands an array job its index in its own variables; exactly one engine's must
// be present, and the count must be known (from the engine, or `auto/N`, or OPTROBUST_SHARD_COUNT).
import { UsageError } from '../../errors.ts';
import type { Shard } from './grid.ts';

export interface ShardFromEnv {
  readonly shard: Shard;
  /** Where it came from, for run.json: "SLURM_ARRAY_TASK_ID=3, SLURM_ARRAY_TASK_MIN=1, SLURM_ARRAY_TASK_COUNT=4". */
  readonly source: string;
}

type Env = Readonly<Record<string, string | undefined>>;

interface Engine {
  readonly name: string;
  /** The variable whose presence says this engine runs us. */
  readonly marker: string;
  /** 1-based index and the count (undefined when the engine does not give it), plus the variables read. */
  read(env: Env): { index: number; count?: number; used: string[] };
}

const int = (env: Env, name: string): number => {
  const text = env[name]!;
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`--shard auto: ${name}=${JSON.stringify(text)} is not a whole number`);
  return Number(text);
};

export const SHARD_COUNT_VARIABLE = 'OPTROBUST_SHARD_COUNT';

const ENGINES: readonly Engine[] = [
  {
    name: 'Kubernetes Indexed Job',
    marker: 'JOB_COMPLETION_INDEX',
    read: (env) => ({ index: int(env, 'JOB_COMPLETION_INDEX') + 1, used: ['JOB_COMPLETION_INDEX'] }),
  },
  {
    name: 'Slurm job array',
    marker: 'SLURM_ARRAY_TASK_ID',
    read: (env) => {
      const id = int(env, 'SLURM_ARRAY_TASK_ID');
      const min = env.SLURM_ARRAY_TASK_MIN !== undefined ? int(env, 'SLURM_ARRAY_TASK_MIN') : 0;
      const used = ['SLURM_ARRAY_TASK_ID', ...(env.SLURM_ARRAY_TASK_MIN !== undefined ? ['SLURM_ARRAY_TASK_MIN'] : [])];
      // Arrays with a step (--array=0-15:4) have ids that are not consecutive; the count then
      // does not give the index, so they are refused.
      if (env.SLURM_ARRAY_TASK_STEP !== undefined && int(env, 'SLURM_ARRAY_TASK_STEP') !== 1) {
        throw new UsageError(
          `--shard auto: SLURM_ARRAY_TASK_STEP=${env.SLURM_ARRAY_TASK_STEP}; use a consecutive array (--array=0-N) so that task ids number the shards`,
        );
      }
      if (env.SLURM_ARRAY_TASK_COUNT !== undefined)
        return { index: id - min + 1, count: int(env, 'SLURM_ARRAY_TASK_COUNT'), used: [...used, 'SLURM_ARRAY_TASK_COUNT'] };
      if (env.SLURM_ARRAY_TASK_MAX !== undefined && env.SLURM_ARRAY_TASK_MIN !== undefined) {
        return { index: id - min + 1, count: int(env, 'SLURM_ARRAY_TASK_MAX') - min + 1, used: [...used, 'SLURM_ARRAY_TASK_MAX'] };
      }
      return { index: id - min + 1, used };
    },
  },
  {
    name: 'AWS Batch array job',
    marker: 'AWS_BATCH_JOB_ARRAY_INDEX',
    read: (env) => ({
      index: int(env, 'AWS_BATCH_JOB_ARRAY_INDEX') + 1,
      count: env.AWS_BATCH_JOB_ARRAY_SIZE !== undefined ? int(env, 'AWS_BATCH_JOB_ARRAY_SIZE') : undefined,
      used: ['AWS_BATCH_JOB_ARRAY_INDEX', ...(env.AWS_BATCH_JOB_ARRAY_SIZE !== undefined ? ['AWS_BATCH_JOB_ARRAY_SIZE'] : [])],
    }),
  },
  {
    name: 'GitLab CI parallel job',
    marker: 'CI_NODE_INDEX',
    read: (env) => ({
      index: int(env, 'CI_NODE_INDEX'),
      count: env.CI_NODE_TOTAL !== undefined ? int(env, 'CI_NODE_TOTAL') : undefined,
      used: ['CI_NODE_INDEX', ...(env.CI_NODE_TOTAL !== undefined ? ['CI_NODE_TOTAL'] : [])],
    }),
  },
];

/** Whether a --shard value asks for the environment: "auto" or "auto/N". */
export const isAutoShard = (text: string): boolean => /^auto(\/|$)/.test(text);

export function shardFromEnv(text: string, env: Env = process.env): ShardFromEnv {
  const m = /^auto(?:\/(\d+))?$/.exec(text);
  if (!m) throw new UsageError(`--shard ${JSON.stringify(text)}: expected auto or auto/N (N the number of shards)`);
  const present = ENGINES.filter((e) => env[e.marker] !== undefined);
  const known = ENGINES.map((e) => `${e.marker} (${e.name})`).join(', ');
  if (present.length === 0) throw new UsageError(`--shard auto: no batch engine's array index in the environment; expected one of ${known}`);
  if (present.length > 1)
    throw new UsageError(
      `--shard auto: several engines' array indices are set (${present.map((e) => `${e.marker} (${e.name})`).join(', ')}); give --shard K/N explicitly`,
    );
  const engine = present[0]!;
  const { index, count: engineCount, used } = engine.read(env);
  const flagCount = m[1] !== undefined ? Number(m[1]) : undefined;
  const envCount = env[SHARD_COUNT_VARIABLE] !== undefined ? int(env, SHARD_COUNT_VARIABLE) : undefined;
  const counts = [
    ...(engineCount !== undefined ? [[engineCount, used[used.length - 1]!] as const] : []),
    ...(flagCount !== undefined ? [[flagCount, `--shard ${text}`] as const] : []),
    ...(envCount !== undefined ? [[envCount, SHARD_COUNT_VARIABLE] as const] : []),
  ];
  if (counts.length === 0)
    throw new UsageError(`--shard auto: the ${engine.name} does not say how many shards there are; use --shard auto/N or set ${SHARD_COUNT_VARIABLE}`);
  const count = counts[0]![0];
  const disagree = counts.filter(([c]) => c !== count);
  if (disagree.length) throw new UsageError(`--shard auto: the shard count disagrees: ${counts.map(([c, from]) => `${from} says ${c}`).join(', ')}`);
  if (count < 1 || index < 1 || index > count)
    throw new UsageError(
      `--shard auto: ${engine.name} gives shard ${index} of ${count} (from ${used.map((u) => `${u}=${env[u]}`).join(', ')}); expected 1 <= shard <= count`,
    );
  const from = [
    ...used.map((u) => `${u}=${env[u]}`),
    ...(flagCount !== undefined ? [`--shard ${text}`] : []),
    ...(envCount !== undefined && engineCount === undefined && flagCount === undefined ? [`${SHARD_COUNT_VARIABLE}=${envCount}`] : []),
  ];
  return { shard: { index, count }, source: `${engine.name}: ${from.join(', ')}` };
}
