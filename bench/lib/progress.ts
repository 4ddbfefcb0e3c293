import cliProgress from 'cli-progress';

/** One timed phase on screen: `update` with the elapsed time and a short status. */
export interface PhaseProgress {
  update(elapsedMs: number, status?: string): void;
  done(status?: string): void;
}

export interface Progress {
  phase(label: string, totalMs: number): PhaseProgress;
  /** A line of its own (setup steps, skipped scenarios). */
  note(line: string): void;
}

/** Nothing on screen: tests and `--quiet`. */
export const silentProgress: Progress = {
  phase: () => ({ update: () => undefined, done: () => undefined }),
  note: () => undefined,
};

/**
 * A progress bar per phase on stderr when it is a terminal; otherwise (CI,
 * output redirected to a file) one line when a phase starts and one when it ends.
 */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const seconds = (ms: number) => (ms / 1000).toFixed(1);
  if (!stream.isTTY) {
    return {
      phase(label, totalMs) {
        stream.write(`${label} (${seconds(totalMs)} s) ...\n`);
        return { update: () => undefined, done: (status) => void stream.write(`${label}: done${status ? ` ${status}` : ''}\n`) };
      },
      note: (line) => void stream.write(`${line}\n`),
    };
  }
  return {
    phase(label, totalMs) {
      const bar = new cliProgress.SingleBar(
        {
          stream,
          format: `${label.padEnd(44)} {bar} {elapsed}/{total} s  {status}`,
          barsize: 24,
          hideCursor: true,
          clearOnComplete: false,
          fps: 5,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(totalMs, 0, { elapsed: seconds(0), total: seconds(totalMs), status: '' });
      return {
        update: (elapsedMs, status = '') => bar.update(Math.min(elapsedMs, totalMs), { elapsed: seconds(Math.min(elapsedMs, totalMs)), status }),
        done: (status = '') => {
          bar.update(totalMs, { elapsed: seconds(totalMs), status });
          bar.stop();
        },
      };
    },
    note: (line) => void stream.write(`${line}\n`),
  };
}
