/**
 * Answers of probes by instance id, reused for `ttlMs`; callers asking while a
 * probe is in flight share it. A burst of reads then costs one probe per
 * instance, not one per read.
 */
export function createProbeCache<T>(ttlMs: number, now: () => number = Date.now) {
  const answers = new Map<string, { value: T; at: number }>();
  const inFlight = new Map<string, Promise<T>>();

  return {
    get(id: string, probe: () => Promise<T>): Promise<T> {
      const cached = answers.get(id);
      if (cached && now() - cached.at < ttlMs) return Promise.resolve(cached.value);
      let running = inFlight.get(id);
      if (!running) {
        running = probe()
          .then((value) => {
            answers.set(id, { value, at: now() });
            return value;
          })
          .finally(() => inFlight.delete(id));
        inFlight.set(id, running);
      }
      return running;
    },

    /** The last answer, however old, without probing. */
    peek(id: string): T | undefined {
      return answers.get(id)?.value;
    },

    forgetAllBut(keep: Set<string>): void {
      for (const id of answers.keys()) if (!keep.has(id)) answers.delete(id);
    },
  };
}
