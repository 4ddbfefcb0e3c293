import { mergeInto, runClosedLoop, type ClosedLoopResult, type Operation } from './closed-loop';
import { summarize, type LatencySummary } from './latency';
import { cpuMeter } from './proc-stats';
import type { Progress } from './progress';

/** How long and how hard every scenario runs; `npm run bench` flags set them. */
export interface BenchSettings {
  /** Workers of the closed loop, the same for every variant of a comparison. */
  concurrency: number;
  warmupMs: number;
  /** Measured time of each variant, split over `rounds`. */
  durationMs: number;
  /**
   * Variants of a comparison take turns this many times, so a noisy neighbour
   * on a shared machine weighs on all of them alike.
   */
  rounds: number;
  progress: Progress;
  signal?: AbortSignal;
}

export interface Variant {
  name: string;
  /** The reference the other variants of the scenario are compared with. */
  baseline?: boolean;
  op: Operation;
  /** Server processes doing this variant's work, by name: their CPU per operation is reported. */
  processes?: Record<string, number>;
  concurrency?: number;
  /**
   * Counters read before and after each of the variant's runs (e.g. a
   * service's cache hits from /metrics); their increase lands in `extra.observed`.
   */
  probe?: () => Promise<Record<string, number>>;
}

export interface VariantResult {
  name: string;
  baseline: boolean;
  /** Successful operations per second in the measured windows. */
  throughput: number;
  ops: number;
  seconds: number;
  errors: number;
  errorKinds: Record<string, number>;
  firstError?: string;
  latency: LatencySummary;
  /** Sub-timings an operation reported (e.g. the CreateOrder call of an end-to-end order). */
  parts?: Record<string, LatencySummary>;
  /** CPU time of the server processes (`processes`) per operation, in microseconds. */
  serverCpuUsPerOp?: number;
  /** The same, per process. */
  serverCpuUsPerOpByProcess?: Record<string, number>;
  /** CPU the benchmark process itself used, in % of one core: near 100 means the client was the bottleneck. */
  clientCpuPercent: number;
  /** This variant's throughput over the baseline's. */
  vsBaseline?: number;
  extra?: Record<string, unknown>;
}

export interface ScenarioResult {
  id: string;
  title: string;
  /** The headline numbers of the scenario, by name. */
  figures: Record<string, number>;
  variants: VariantResult[];
  /** A table of its own, for scenarios that are not throughput comparisons (memory). */
  table?: { columns: string[]; rows: (string | number)[][] };
  notes: string[];
  /** Why the scenario did not run. */
  skipped?: string;
}

/**
 * Runs the variants of one comparison side by side: each warms up, then they
 * take turns for `rounds` rounds, and each variant's rounds add up into one
 * HDR histogram and one throughput.
 */
export async function compareVariants(scenario: string, variants: Variant[], settings: BenchSettings): Promise<VariantResult[]> {
  // cpu: seconds per process so far; a process missing from any round is left out.
  const totals = new Map<Variant, { loop?: ClosedLoopResult; cpu?: Record<string, number>; observed?: Record<string, number> }>(variants.map((v) => [v, {}]));
  const roundMs = settings.durationMs / settings.rounds;
  for (let round = 0; round < settings.rounds && !settings.signal?.aborted; round++) {
    for (const variant of variants) {
      if (settings.signal?.aborted) break;
      const warmupMs = round === 0 ? settings.warmupMs : Math.min(settings.warmupMs, 1_000);
      const meter = variant.processes ? cpuMeter(variant.processes) : undefined;
      const total = totals.get(variant)!;
      let cpu: Record<string, number> | undefined;
      const before = await variant.probe?.();
      const loop = await runClosedLoop(variant.op, {
        concurrency: variant.concurrency ?? settings.concurrency,
        warmupMs,
        durationMs: roundMs,
        signal: settings.signal,
        progress: settings.progress.phase(`${scenario}: ${variant.name}${settings.rounds > 1 ? ` (${round + 1}/${settings.rounds})` : ''}`, warmupMs + roundMs),
        window: { open: () => meter?.start(), close: () => (cpu = meter?.stop()) },
      });
      total.loop = mergeInto(total.loop, loop);
      if (cpu) {
        const sofar = total.cpu;
        total.cpu = Object.fromEntries(
          Object.entries(cpu)
            .filter(([name]) => !sofar || name in sofar)
            .map(([name, seconds]) => [name, seconds + (sofar?.[name] ?? 0)]),
        );
      }
      if (before) {
        const after = await variant.probe!();
        total.observed ??= {};
        for (const [name, value] of Object.entries(after)) total.observed[name] = (total.observed[name] ?? 0) + value - (before[name] ?? 0);
      }
    }
  }
  const results = variants
    .filter((variant) => totals.get(variant)!.loop)
    .map((variant) => {
      const total = totals.get(variant)!;
      const result = toVariantResult(variant, total.loop!, total.cpu);
      if (total.observed) result.extra = { observed: total.observed };
      return result;
    });
  const baseline = results.find((r) => r.baseline);
  for (const result of results) if (baseline && baseline.throughput > 0) result.vsBaseline = result.throughput / baseline.throughput;
  return results;
}

export function toVariantResult(variant: Pick<Variant, 'name' | 'baseline'>, loop: ClosedLoopResult, serverCpuSeconds?: Record<string, number>): VariantResult {
  const seconds = Math.max(loop.seconds, 1e-3);
  const parts = Object.fromEntries(Object.entries(loop.parts).map(([name, histogram]) => [name, summarize(histogram)]));
  const perOp = (cpuSeconds: number) => (cpuSeconds * 1e6) / loop.ops;
  const byProcess =
    serverCpuSeconds && loop.ops > 0 && Object.keys(serverCpuSeconds).length > 0
      ? Object.fromEntries(Object.entries(serverCpuSeconds).map(([name, cpu]) => [name, perOp(cpu)]))
      : undefined;
  return {
    name: variant.name,
    baseline: variant.baseline ?? false,
    throughput: loop.ops / seconds,
    ops: loop.ops,
    seconds: loop.seconds,
    errors: loop.errors,
    errorKinds: loop.errorKinds,
    firstError: loop.firstError,
    latency: summarize(loop.latency),
    parts: Object.keys(parts).length > 0 ? parts : undefined,
    serverCpuUsPerOp: byProcess ? Object.values(byProcess).reduce((sum, us) => sum + us, 0) : undefined,
    serverCpuUsPerOpByProcess: byProcess,
    clientCpuPercent: (loop.clientCpuSeconds / seconds) * 100,
  };
}

export const skippedScenario = (id: string, title: string, reason: string): ScenarioResult => ({
  id,
  title,
  figures: {},
  variants: [],
  notes: [],
  skipped: reason,
});
