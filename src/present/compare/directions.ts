// What "better" means for each metric, and how large a change must be to matter: the
// metric catalog's direction and threshold (metrics/catalog.ts), which a threshold file or
// --threshold can override. Diagnostics (gradient norms, step counts...) are reported as
// changed, never as regressions, unless a threshold file gives them a direction.
import { listMetrics, metricInfo, type Direction } from '../../measure/metrics/catalog.ts';

export type { Direction };

export interface MetricRule {
  readonly direction: Direction;
  /** Smallest absolute change that counts as a regression or improvement. */
  readonly threshold: number;
}

export const DEFAULT_RULES: Readonly<Record<string, MetricRule>> = Object.fromEntries(
  listMetrics()
    .filter((m) => m.direction !== 'diagnostic')
    .map((m) => [m.name, { direction: m.direction, threshold: m.threshold }]),
);

export const DIAGNOSTIC: MetricRule = { direction: 'diagnostic', threshold: 0 };

export type Rules = Readonly<Record<string, MetricRule>>;

/** Merges user rules (from --thresholds FILE or --threshold metric=value) over the defaults, validating them. */
export function resolveRules(user: Readonly<Record<string, unknown>>, source: string): Rules {
  const out: Record<string, MetricRule> = Object.assign(Object.create(null) as Record<string, MetricRule>, DEFAULT_RULES);
  if (typeof user !== 'object' || user === null || Array.isArray(user))
    throw new Error(`${source}: expected a JSON object of metric -> threshold, e.g. {"accuracy": 0.02}`);
  const known = new Set(listMetrics().map((m) => m.name));
  for (const [metric, raw] of Object.entries(user)) {
    // A misspelt metric would otherwise be a rule that never applies: a gate that cannot fail.
    if (!known.has(metric)) throw new Error(`${source}: unknown metric "${metric}"; known: ${[...known].sort().join(', ')}`);
    const base = out[metric] ?? DIAGNOSTIC;
    if (typeof raw !== 'number' && (typeof raw !== 'object' || raw === null || Array.isArray(raw)))
      throw new Error(`${source}: "${metric}" = ${JSON.stringify(raw)}; expected a number >= 0 or { "direction": ..., "threshold": n }`);
    const extra = typeof raw === 'object' ? Object.keys(raw).filter((k) => k !== 'direction' && k !== 'threshold') : [];
    if (extra.length)
      throw new Error(`${source}: "${metric}" has unknown field(s) ${extra.map((k) => `"${k}"`).join(', ')}; expected "direction" and/or "threshold"`);
    const rule = typeof raw === 'number' ? { ...base, threshold: raw } : (raw as Partial<MetricRule>);
    const direction = rule.direction ?? base.direction;
    const threshold = rule.threshold ?? base.threshold;
    if (!['higher', 'lower', 'diagnostic'].includes(direction))
      throw new Error(`${source}: "${metric}".direction = ${JSON.stringify(direction)}; expected "higher", "lower" or "diagnostic"`);
    if (typeof threshold !== 'number' || !(threshold >= 0 && Number.isFinite(threshold)))
      throw new Error(`${source}: "${metric}".threshold = ${JSON.stringify(threshold)}; expected a number >= 0`);
    out[metric] = { direction, threshold };
  }
  return out;
}

export const ruleFor = (rules: Rules, metric: string): MetricRule =>
  rules[metric] ?? { direction: metricInfo(metric).direction, threshold: metricInfo(metric).threshold };
