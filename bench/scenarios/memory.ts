import { rssBytes } from '../lib/proc-stats';
import type { ScenarioResult } from '../lib/scenario';

/** RSS of each named process now, in bytes; a process that is gone is left out. */
export function rssSnapshot(processes: Record<string, number>): Record<string, number> {
  const snapshot: Record<string, number> = {};
  for (const [name, pid] of Object.entries(processes)) {
    const rss = rssBytes(pid);
    if (rss !== undefined) snapshot[name] = rss;
  }
  return snapshot;
}

const mb = (bytes: number | undefined) => (bytes === undefined ? NaN : bytes / (1024 * 1024));

export interface MemoryMeasurements {
  /** RSS after start-up, before any load. */
  idle: Record<string, number>;
  /** Highest RSS sampled while the other scenarios ran. */
  underLoad: Record<string, number>;
  /** CPU at rest (outbox relays polling, consumers heart-beating...), % of one core. */
  idleCpuPercent?: Record<string, number>;
  /** Processes that are not part of the platform (the bare grpc-js echo server): listed, not summed. */
  baselines?: string[];
}

/** RSS per service process, idle and under load, and what each one burns at rest. */
export function memoryScenario({ idle, underLoad, idleCpuPercent = {}, baselines = [] }: MemoryMeasurements): ScenarioResult {
  const names = [...new Set([...Object.keys(idle), ...Object.keys(underLoad)])];
  const platform = names.filter((name) => !baselines.includes(name));
  const sum = (values: Record<string, number>, unit = mb) => platform.reduce((total, name) => total + (values[name] === undefined ? 0 : unit(values[name])), 0);
  const percent = (value: number | undefined) => (value === undefined ? '—' : value.toFixed(1));
  const rows = names.map((name) => [
    baselines.includes(name) ? `${name} (baseline)` : name,
    mb(idle[name]).toFixed(0),
    mb(underLoad[name]).toFixed(0),
    (mb(underLoad[name]) - mb(idle[name])).toFixed(0),
    percent(idleCpuPercent[name]),
  ]);
  const idleCpuTotal = sum(idleCpuPercent, (v) => v ?? 0);
  rows.push(['platform total', sum(idle).toFixed(0), sum(underLoad).toFixed(0), (sum(underLoad) - sum(idle)).toFixed(0), percent(idleCpuTotal)]);
  return {
    id: 'memory',
    title: 'Memory: RSS per service process, idle and under load',
    figures: {
      'platform RSS idle, MB': sum(idle),
      'platform RSS under load (peak per service), MB': sum(underLoad),
      'platform CPU at rest, % of one core': idleCpuTotal,
    },
    variants: [],
    table: { columns: ['process', 'idle MB', 'under load MB', 'growth MB', 'idle CPU %'], rows },
    notes: [
      'VmRSS from /proc/<pid>/status; "under load" is the highest sample (every 250 ms) while the other scenarios ran; idle CPU over 5 s before any load. Services run as the images run them: compiled JavaScript (npm run build) under plain node, OpenTelemetry preloaded, tracing on into a local sink.',
    ],
  };
}
