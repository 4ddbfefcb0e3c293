import { createLatencyHistogram, recordMs, summarize, type LatencySummary } from './latency';
import type { Progress } from './progress';

export interface OpenLoopOptions {
  /** Arrivals per second, fixed whatever the system answers. */
  ratePerSecond: number;
  durationMs: number;
  /** Bounds what a stalled system can pile up in the benchmark process. */
  maxInFlight: number;
  progress: Progress;
  signal?: AbortSignal;
  /** Called when the last arrival is due, before waiting for the stragglers (e.g. to read the consumer lag). */
  onArrivalsEnd?: () => Promise<void>;
}

export interface OpenLoopResult {
  offered: number;
  completed: number;
  errors: number;
  /** Arrivals not sent because maxInFlight were still open. */
  dropped: number;
  firstError?: string;
  /** Completed per second, from the first arrival to the last completion. */
  achievedPerSecond: number;
  /** From each arrival's due time (not its send time) to its end: no coordinated omission. */
  latency: LatencySummary;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Arrivals at a fixed rate, each started when it is due whether or not the
 * earlier ones have finished, as shoppers arrive at a shop. A closed loop
 * slows its own offered load when the system slows; this one does not, so
 * queueing shows in the latency and in what is left undone.
 */
export async function runOpenLoop(op: (i: number) => Promise<void>, options: OpenLoopOptions): Promise<OpenLoopResult> {
  const histogram = createLatencyHistogram();
  const total = Math.round((options.ratePerSecond * options.durationMs) / 1000);
  const phase = options.progress.phase(`open loop: ${options.ratePerSecond}/s for ${options.durationMs / 1000} s`, options.durationMs);
  const inFlight = new Set<Promise<void>>();
  let completed = 0;
  let errors = 0;
  let dropped = 0;
  let firstError: string | undefined;
  let lastEnd = 0;
  const start = performance.now();
  for (let i = 0; i < total && !options.signal?.aborted; i++) {
    const due = start + (i * 1000) / options.ratePerSecond;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    phase.update(Math.min(performance.now() - start, options.durationMs), `${inFlight.size} in flight`);
    if (inFlight.size >= options.maxInFlight) {
      dropped++;
      continue;
    }
    const run = op(i)
      .then(
        () => {
          lastEnd = performance.now();
          recordMs(histogram, lastEnd - due);
          completed++;
        },
        (error) => {
          errors++;
          firstError ??= error instanceof Error ? error.message : String(error);
        },
      )
      .finally(() => inFlight.delete(run));
    inFlight.add(run);
  }
  await options.onArrivalsEnd?.();
  await Promise.allSettled([...inFlight]);
  phase.done(`${completed} of ${total}`);
  return {
    offered: total,
    completed,
    errors,
    dropped,
    firstError,
    achievedPerSecond: completed > 0 ? completed / ((lastEnd - start) / 1000) : 0,
    latency: summarize(histogram),
  };
}
