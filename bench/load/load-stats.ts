import { createLatencyHistogram, recordMs, summarize, type LatencyHistogram, type LatencySummary } from '../lib/latency';
import { errorKind, errorMessage } from '../lib/error-kind';

interface RequestStats {
  ok: number;
  errors: number;
  latency: LatencyHistogram;
}

export interface LoadSummary {
  total: number;
  errors: number;
  /** Every successful request. */
  latency: LatencySummary;
  requests: Record<string, { ok: number; errors: number; latency: LatencySummary }>;
  /** "<request>: <code>" -> count. */
  errorKinds: Record<string, number>;
  /** One message per error kind. */
  errorSamples: Record<string, string>;
}

/** How often the live p99 starts over, so it follows what the target does now. */
const RECENT_WINDOW_MS = 5_000;

/** Counts and HDR latencies of a load run, per request name, plus a recent window for the live line. */
export function createLoadStats() {
  const byRequest = new Map<string, RequestStats>();
  const errorKinds: Record<string, number> = {};
  const samples: Record<string, string> = {};
  const all = createLatencyHistogram();
  let total = 0;
  let errors = 0;
  let recent = createLatencyHistogram();
  let previous: LatencyHistogram | undefined;
  let recentSince = performance.now();

  return {
    record(name: string, ms: number, error?: unknown) {
      const stats = byRequest.get(name) ?? { ok: 0, errors: 0, latency: createLatencyHistogram() };
      byRequest.set(name, stats);
      total++;
      if (error === undefined) {
        stats.ok++;
        recordMs(stats.latency, ms);
        recordMs(all, ms);
        if (performance.now() - recentSince > RECENT_WINDOW_MS) {
          previous = recent;
          recent = createLatencyHistogram();
          recentSince = performance.now();
        }
        recordMs(recent, ms);
      } else {
        stats.errors++;
        errors++;
        const kind = `${name}: ${errorKind(error)}`;
        errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
        samples[kind] ??= errorMessage(error);
      }
    },

    /** For the live line: totals and the p99 of the last few seconds. */
    live() {
      const window = recent.totalCount >= 20 || !previous ? recent : previous;
      return { total, errors, p99Ms: window.totalCount > 0 ? window.getValueAtPercentile(99) / 1000 : NaN };
    },

    summary(): LoadSummary {
      const requests = Object.fromEntries(
        [...byRequest].sort(([a], [b]) => a.localeCompare(b)).map(([name, s]) => [name, { ok: s.ok, errors: s.errors, latency: summarize(s.latency) }]),
      );
      return { total, errors, latency: summarize(all), requests, errorKinds: { ...errorKinds }, errorSamples: { ...samples } };
    },
  };
}

export type LoadStats = ReturnType<typeof createLoadStats>;
