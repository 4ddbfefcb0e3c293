import { privateRssBytes, rssBytes } from '../lib/proc-stats';
import type { PhaseProgress } from '../lib/progress';
import type { ScenarioResult } from '../lib/scenario';

/** RSS (or, with `read`, another per-process figure) of each named process now, in bytes; a process that is gone is left out. */
export function rssSnapshot(processes: Record<string, number>, read: (pid: number) => number | undefined = rssBytes): Record<string, number> {
  const snapshot: Record<string, number> = {};
  for (const [name, pid] of Object.entries(processes)) {
    const rss = read(pid);
    if (rss !== undefined) snapshot[name] = rss;
  }
  return snapshot;
}

/** The private part of each named process's RSS now (RssAnon), in bytes. */
export const privateRssSnapshot = (processes: Record<string, number>) => rssSnapshot(processes, privateRssBytes);

/**
 * RSS of each process after it has rested: sampled every second for `ms` with no load, the
 * median of the second half of the window. V8 gives back the start-up garbage and shrinks
 * its young generation only once a process has been quiet for a while (its memory reducer
 * starts 8 s after the last full collection and waits for a low allocation rate), so the
 * figure a few seconds after start is not what a service holds at rest.
 */
export async function restingRss(processes: Record<string, number>, ms: number, phase?: PhaseProgress, signal?: AbortSignal): Promise<Record<string, number>> {
  const samples = new Map<string, number[]>(Object.keys(processes).map((name) => [name, []]));
  const started = performance.now();
  while (performance.now() - started < ms && !signal?.aborted) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const elapsed = performance.now() - started;
    phase?.update(elapsed);
    if (elapsed < ms / 2) continue;
    for (const [name, pid] of Object.entries(processes)) {
      const rss = rssBytes(pid);
      if (rss !== undefined) samples.get(name)!.push(rss);
    }
  }
  phase?.done();
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return Object.fromEntries([...samples].filter(([, values]) => values.length > 0).map(([name, values]) => [name, median(values)]));
}

const mb = (bytes: number | undefined) => (bytes === undefined ? NaN : bytes / (1024 * 1024));

export interface MemoryMeasurements {
  /** RSS after start-up, before any load. */
  idle: Record<string, number>;
  /** The private part of `idle` (RssAnon): without the node binary's pages, which processes share. */
  idlePrivate?: Record<string, number>;
  /** Node/V8 flags the services ran with. */
  nodeFlags?: string[];
  /** RSS after resting (restingRss), when measured. */
  atRest?: Record<string, number>;
  /** Highest RSS sampled while the other scenarios ran. */
  underLoad: Record<string, number>;
  /** CPU at rest (outbox relays polling, consumers heart-beating...), % of one core. */
  idleCpuPercent?: Record<string, number>;
  /** Processes that are not part of the platform (the bare grpc-js echo server): listed, not summed. */
  baselines?: string[];
}

/** RSS per service process, idle and under load, and what each one burns at rest. */
export function memoryScenario({
  idle,
  idlePrivate = {},
  atRest = {},
  nodeFlags,
  underLoad,
  idleCpuPercent = {},
  baselines = [],
}: MemoryMeasurements): ScenarioResult {
  const names = [...new Set([...Object.keys(idle), ...Object.keys(underLoad)])];
  const platform = names.filter((name) => !baselines.includes(name));
  const sum = (values: Record<string, number>, unit = mb) => platform.reduce((total, name) => total + (values[name] === undefined ? 0 : unit(values[name])), 0);
  const percent = (value: number | undefined) => (value === undefined ? '—' : value.toFixed(1));
  /** MB of one process, or of the platform; a dash where nothing was measured (e.g. --rest 0). */
  const cell = (values: Record<string, number>, name: string) => (values[name] === undefined ? '—' : mb(values[name]).toFixed(0));
  const total = (values: Record<string, number>) => (Object.keys(values).length === 0 ? '—' : sum(values).toFixed(0));
  const rows = names.map((name) => [
    baselines.includes(name) ? `${name} (baseline)` : name,
    cell(idle, name),
    cell(idlePrivate, name),
    cell(atRest, name),
    cell(underLoad, name),
    underLoad[name] === undefined || idle[name] === undefined ? '—' : (mb(underLoad[name]) - mb(idle[name])).toFixed(0),
    percent(idleCpuPercent[name]),
  ]);
  const largest = (values: Record<string, number>) => Math.max(0, ...platform.map((name) => mb(values[name])).filter((v) => !Number.isNaN(v)));
  const idleCpuTotal = sum(idleCpuPercent, (v) => v ?? 0);
  rows.push([
    'platform total',
    total(idle),
    total(idlePrivate),
    total(atRest),
    total(underLoad),
    Object.keys(underLoad).length === 0 ? '—' : (sum(underLoad) - sum(idle)).toFixed(0),
    percent(idleCpuTotal),
  ]);
  return {
    id: 'memory',
    title: 'Memory: RSS per service process, idle and under load',
    figures: {
      'platform RSS idle, MB': sum(idle),
      'platform private RSS idle, MB': sum(idlePrivate),
      'largest service RSS idle, MB': largest(idle),
      'platform RSS at rest, MB': sum(atRest),
      'largest service RSS at rest, MB': largest(atRest),
      'platform RSS under load (peak per service), MB': sum(underLoad),
      'platform CPU at rest, % of one core': idleCpuTotal,
    },
    variants: [],
    table: { columns: ['process', 'idle MB', 'idle private MB', 'at rest MB', 'under load MB', 'growth MB', 'idle CPU %'], rows },
    notes: [
      'VmRSS from /proc/<pid>/status; "idle" is 3 s after the platform is up; "at rest" is the median of the second half of a quiet window (--rest) before any load; "under load" is the highest sample (every 250 ms) while the other scenarios ran; idle CPU over 5 s before any load. Services run as the images run them: compiled JavaScript (npm run build) under plain node, OpenTelemetry preloaded, tracing on into a local sink.',
      `Node flags: ${nodeFlags === undefined ? 'none given' : nodeFlags.length ? nodeFlags.join(' ') : 'none'} (the image's unless --node-flags). "Private" is RssAnon (V8 heap, stacks, malloc); the rest of RSS is file pages, mostly the node binary's (~40 MB), shared by every node process on a host.`,
    ],
  };
}
