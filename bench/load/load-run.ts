import type { Session, ShopApi } from '../shop-api/shop-api';
import type { LoadStats } from './load-stats';
import { perform, shopperSteps, weightedPicker, type ActionName, type ShopKnowledge } from './shopper-actions';

/** Arrivals at a fixed rate (open model) or a fixed number of shoppers looping (closed model). */
export type LoadShape = { kind: 'rate'; perSecond: number } | { kind: 'vus'; count: number; thinkMs: number };

export interface LoadRunOptions {
  api: ShopApi;
  shop: ShopKnowledge;
  mix: Record<ActionName, number>;
  shape: LoadShape;
  durationMs: number;
  /** Rate mode: actions that would start while this many run are dropped, not queued. */
  maxInFlight: number;
  runId: string;
  stats: LoadStats;
  signal?: AbortSignal;
  /** Every second: how far along, and how many actions are running. */
  onTick?(elapsedMs: number, inFlight: number): void;
}

export interface LoadRunResult {
  elapsedMs: number;
  /** Actions started. */
  actions: number;
  /** Rate mode: actions not started because `maxInFlight` were running. */
  dropped: number;
  /** Actions still running when the grace period after the end ran out. */
  unfinished: number;
}

/** How long actions still running at the end may take to finish before they are given up. */
const GRACE_MS = 10_000;
/** Sessions kept for the rate mode's anonymous arrivals to continue with. */
const POOL_LIMIT = 500;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });

/**
 * Shoppers against the shop for `durationMs`, then stops by itself. In rate
 * mode an action starts every 1/rate seconds whatever the target does, by a
 * shopper from a pool that sign-ups fill; with virtual users each one signs
 * up, then loops through weighted actions with a think time between them.
 */
export async function runLoad(options: LoadRunOptions): Promise<LoadRunResult> {
  const { api, shop, mix, shape, durationMs, maxInFlight, runId, stats, onTick } = options;
  const steps = shopperSteps(api, shop, (name, ms, error) => stats.record(name, ms, error), runId);
  const pickAction = weightedPicker(mix);
  const over = new AbortController();
  const stop = () => over.abort();
  options.signal?.addEventListener('abort', stop, { once: true });
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const running = new Set<Promise<unknown>>();
  let actions = 0;
  let dropped = 0;

  const deadline = setTimeout(stop, durationMs);
  const ticker = setInterval(() => onTick?.(elapsed(), running.size), 1_000);
  const track = (work: Promise<unknown>) => {
    const settled = work.catch(() => undefined).finally(() => running.delete(settled));
    running.add(settled);
    return settled;
  };

  if (shape.kind === 'rate') {
    const pool: Session[] = [];
    const keep = (session: Session | undefined) => {
      if (!session || pool.includes(session)) return;
      if (pool.length < POOL_LIMIT) pool.push(session);
      else pool[Math.floor(Math.random() * POOL_LIMIT)] = session;
    };
    await new Promise<void>((resolve) => {
      const scheduler = setInterval(() => {
        if (over.signal.aborted) {
          clearInterval(scheduler);
          resolve();
          return;
        }
        const due = Math.floor((shape.perSecond * elapsed()) / 1000) - actions - dropped;
        for (let i = 0; i < due; i++) {
          if (running.size >= maxInFlight) {
            dropped++;
            continue;
          }
          actions++;
          const session = pool.length > 0 ? pool[Math.floor(Math.random() * pool.length)] : undefined;
          void track(perform(steps, pickAction(), session).then(keep));
        }
      }, 5);
    });
  } else {
    // Sign-ups are spread over a short ramp, so a thousand shoppers do not all hash a password at once.
    const rampMs = Math.min(5_000, durationMs / 10);
    const shopper = async (index: number) => {
      await sleep((rampMs * index) / shape.count, over.signal);
      let session: Session | undefined;
      while (!over.signal.aborted) {
        actions++;
        try {
          session = await perform(steps, session ? pickAction() : 'register', session);
        } catch {
          await sleep(10, over.signal);
        }
        await sleep(shape.thinkMs * (0.5 + Math.random()), over.signal);
      }
    };
    await Promise.all(Array.from({ length: shape.count }, (_, i) => track(shopper(i))));
  }

  const end = elapsed();
  clearTimeout(deadline);
  const grace = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), GRACE_MS).unref());
  await Promise.race([Promise.all(running), grace]);
  clearInterval(ticker);
  options.signal?.removeEventListener('abort', stop);
  return { elapsedMs: end, actions, dropped, unfinished: running.size };
}
