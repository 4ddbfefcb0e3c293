/**
 * `work` over every item with at most `limit` running at once, results in the
 * items' order. The registry probes a whole fleet per request: in parallel so
 * one slow instance costs one timeout, bounded so a large fleet does not open
 * hundreds of connections at once.
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}
