import type { Logger } from '../../../../platform/logger';
import type { PaymentIntentsStore } from '../store/payment-intents-store';

/**
 * Forgets the tokens of intents whose order never came: CreateOrder stored
 * the intent, then failed to write the order. Without this sweep such a token
 * would stay, encrypted, forever. Runs on the retention purge's interval
 * (0 turns it off).
 */
export function startStaleTokenSweep({
  intents,
  log,
  ttlHours,
  intervalSeconds,
}: {
  intents: PaymentIntentsStore;
  log: Logger;
  ttlHours: number;
  intervalSeconds: number;
}): { stop(): void; runOnce(): Promise<number> } {
  const runOnce = async () => {
    const forgotten = await intents.forgetStaleTokens(new Date(Date.now() - ttlHours * 3_600_000));
    if (forgotten > 0) log.info({ forgotten }, 'forgot the payment tokens of intents whose order never came');
    return forgotten;
  };
  const timer =
    intervalSeconds > 0
      ? setInterval(
          () => runOnce().catch((error) => log.warn({ err: error }, 'stale payment token sweep failed; next try at the next interval')),
          intervalSeconds * 1_000,
        )
      : undefined;
  timer?.unref();
  return { stop: () => clearInterval(timer), runOnce };
}
