import { createLatencyHistogram, now, recordMs, type LatencyHistogram } from './latency';
import { errorKind, errorMessage } from './error-kind';
import type { PhaseProgress } from './progress';

/** What an operation may tell about its own timing, in milliseconds. */
export interface OperationTiming {
  /** Replaces the wall time of the operation, e.g. to leave out preparation the benchmark does itself. */
  latencyMs?: number;
  /** Sub-timings (e.g. the CreateOrder call inside an end-to-end order), each with a histogram of its own. */
  parts?: Record<string, number>;
}

/** One unit of work of a virtual client; `worker` numbers the client (0 .. concurrency-1). */
export type Operation = (worker: number) => Promise<void | OperationTiming>;

export interface ClosedLoopOptions {
  /** Workers, each starting its next operation as soon as the previous one ends. */
  concurrency: number;
  /** Load before the window opens; nothing from it is kept. */
  warmupMs: number;
  /** The measured window. */
  durationMs: number;
  progress?: PhaseProgress;
  /** Called as the measured window opens and closes (CPU meters and the like). */
  window?: { open(): void; close(): void };
  signal?: AbortSignal;
}

export interface ClosedLoopResult {
  /** Operations that succeeded within the window. */
  ops: number;
  errors: number;
  errorKinds: Record<string, number>;
  firstError?: string;
  /** Length of the window actually measured. */
  seconds: number;
  latency: LatencyHistogram;
  parts: Record<string, LatencyHistogram>;
  /** CPU this (the client) process used during the window, in seconds. */
  clientCpuSeconds: number;
}

/** A failing target answers at once: a worker that just failed waits this long, so errors don't spin a core. */
const ERROR_PAUSE_MS = 10;

/**
 * Closed-loop load at a fixed concurrency: warm-up, then a window in which
 * every operation that completes is counted and its latency recorded in an
 * HDR histogram. Operations still running when the window closes are awaited
 * but not counted.
 */
export async function runClosedLoop(op: Operation, options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const { concurrency, warmupMs, durationMs, progress, window, signal } = options;
  const result: ClosedLoopResult = {
    ops: 0,
    errors: 0,
    errorKinds: {},
    seconds: 0,
    latency: createLatencyHistogram(),
    parts: {},
    clientCpuSeconds: 0,
  };
  const started = now();
  let open = false;
  let stopping = false;
  let windowStart = 0;
  let cpuAtOpen: NodeJS.CpuUsage | undefined;

  const ticker = setInterval(() => {
    const elapsed = now() - started;
    const rate = open ? result.ops / Math.max(0.001, (now() - windowStart) / 1000) : 0;
    progress?.update(elapsed, open ? `${rate.toFixed(0)} ops/s, ${result.errors} errors` : 'warming up');
  }, 200);

  const openWindow = () => {
    window?.open();
    cpuAtOpen = process.cpuUsage();
    windowStart = now();
    open = true;
  };
  const closeWindow = () => {
    if (!open) return;
    open = false;
    result.seconds = (now() - windowStart) / 1000;
    const cpu = process.cpuUsage(cpuAtOpen);
    result.clientCpuSeconds = (cpu.user + cpu.system) / 1e6;
    window?.close();
  };

  const worker = async (id: number) => {
    while (!stopping && !signal?.aborted) {
      const t0 = now();
      try {
        const timing = await op(id);
        if (!open) continue;
        result.ops++;
        recordMs(result.latency, timing?.latencyMs ?? now() - t0);
        for (const [name, ms] of Object.entries(timing?.parts ?? {})) recordMs((result.parts[name] ??= createLatencyHistogram()), ms);
      } catch (error) {
        if (open) {
          result.errors++;
          const kind = errorKind(error);
          result.errorKinds[kind] = (result.errorKinds[kind] ?? 0) + 1;
          result.firstError ??= `${kind}: ${errorMessage(error)}`;
        }
        await new Promise((resolve) => setTimeout(resolve, ERROR_PAUSE_MS));
      }
    }
  };

  const workers = Array.from({ length: concurrency }, (_, i) => worker(i));
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const timers = [setTimeout(openWindow, warmupMs), setTimeout(() => stop(), warmupMs + durationMs)];
  function stop() {
    for (const timer of timers) clearTimeout(timer);
    closeWindow();
    stopping = true;
    finish();
  }
  if (signal?.aborted) stop();
  signal?.addEventListener('abort', stop, { once: true });
  await finished;
  await Promise.all(workers);
  signal?.removeEventListener('abort', stop);
  clearInterval(ticker);
  progress?.done(`${(result.ops / Math.max(result.seconds, 0.001)).toFixed(0)} ops/s`);
  return result;
}

/** Adds one round's result into the running total of a variant. */
export function mergeInto(total: ClosedLoopResult | undefined, round: ClosedLoopResult): ClosedLoopResult {
  if (!total) return round;
  total.ops += round.ops;
  total.errors += round.errors;
  for (const [kind, count] of Object.entries(round.errorKinds)) total.errorKinds[kind] = (total.errorKinds[kind] ?? 0) + count;
  total.firstError ??= round.firstError;
  total.seconds += round.seconds;
  total.latency.add(round.latency);
  for (const [name, histogram] of Object.entries(round.parts)) {
    if (total.parts[name]) total.parts[name].add(histogram);
    else total.parts[name] = histogram;
  }
  total.clientCpuSeconds += round.clientCpuSeconds;
  return total;
}
