import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Resident set size of a process (VmRSS in /proc/<pid>/status), or undefined when it is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The private part of a process's resident memory (RssAnon: heap, stacks, malloc), or
 * undefined when it is gone. The rest of VmRSS is file pages (RssFile), mostly the node
 * binary's, which every node process on a host shares.
 */
export function privateRssBytes(pid: number): number | undefined {
  try {
    const match = /^RssAnon:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User + system CPU seconds a process has used so far (fields 14 and 15 of /proc/<pid>/stat). */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return undefined;
  }
}

/** CPU seconds each named process used between `start()` and `stop()`; a process that is gone has none. */
export function cpuMeter(processes: Record<string, number>) {
  let startedAt: Record<string, number | undefined> = {};
  return {
    start() {
      startedAt = Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, cpuSeconds(pid)]));
    },
    stop(): Record<string, number> {
      const used: Record<string, number> = {};
      for (const [name, pid] of Object.entries(processes)) {
        const [before, after] = [startedAt[name], cpuSeconds(pid)];
        if (before !== undefined && after !== undefined) used[name] = after - before;
      }
      return used;
    },
  };
}

/** Samples the RSS of named processes every `intervalMs` and keeps each one's highest. */
export function rssSampler(processes: Record<string, number>, intervalMs = 250) {
  const peak: Record<string, number> = {};
  const sample = () => {
    for (const [name, pid] of Object.entries(processes)) {
      const rss = rssBytes(pid);
      if (rss !== undefined && rss > (peak[name] ?? 0)) peak[name] = rss;
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    stop(): Record<string, number> {
      clearInterval(timer);
      sample();
      return { ...peak };
    },
  };
}
