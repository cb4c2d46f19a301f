// What "better" means for each metric, and how large a change must be to matter.
// Accuracy: higher is better. Losses and divergence: lower is better. Everything else
// (gradient norms, update norms, input-gradient norms, step counts) is a diagnostic:
// reported as changed, never as a regression, unless a threshold file gives it a direction.

export type Direction = 'higher' | 'lower' | 'diagnostic';

export interface MetricRule {
  readonly direction: Direction;
  /** Smallest absolute change that counts as a regression or improvement. */
  readonly threshold: number;
}

export const DEFAULT_RULES: Readonly<Record<string, MetricRule>> = {
  accuracy: { direction: 'higher', threshold: 0.01 },
  loss: { direction: 'lower', threshold: 0.05 },
  final_loss: { direction: 'lower', threshold: 0.05 },
  diverged: { direction: 'lower', threshold: 0.5 },
};

export const DIAGNOSTIC: MetricRule = { direction: 'diagnostic', threshold: 0 };

export type Rules = Readonly<Record<string, MetricRule>>;

/** Merges user rules (from --thresholds FILE or --threshold metric=value) over the defaults, validating them. */
export function resolveRules(user: Readonly<Record<string, unknown>>, source: string): Rules {
  const out: Record<string, MetricRule> = { ...DEFAULT_RULES };
  for (const [metric, raw] of Object.entries(user)) {
    const base = out[metric] ?? DIAGNOSTIC;
    const rule = typeof raw === 'number' ? { ...base, threshold: raw } : (raw as Partial<MetricRule>);
    const direction = rule.direction ?? base.direction;
    const threshold = rule.threshold ?? base.threshold;
    if (!['higher', 'lower', 'diagnostic'].includes(direction)) throw new Error(`${source}: "${metric}".direction = ${JSON.stringify(direction)}; expected "higher", "lower" or "diagnostic"`);
    if (typeof threshold !== 'number' || !(threshold >= 0)) throw new Error(`${source}: "${metric}".threshold = ${JSON.stringify(threshold)}; expected a number >= 0`);
    out[metric] = { direction, threshold };
  }
  return out;
}

export const ruleFor = (rules: Rules, metric: string): MetricRule => rules[metric] ?? DIAGNOSTIC;
