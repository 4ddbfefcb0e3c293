import { trace } from '@opentelemetry/api';
import { ConfigError } from './config';
import { createLogger } from './logger';

interface Running {
  shutdown(reason: string): Promise<void>;
}

/**
 * Owns the process of one service: starts it, stops it on SIGTERM/SIGINT (a
 * second signal exits at once), and turns a bad configuration into one clear
 * line and exit code 1 instead of a stack trace.
 */
export function runService(name: string, start: () => Promise<Running>): void {
  const log = createLogger(name);
  let running: Running | undefined;

  const stop = (signal: NodeJS.Signals) => {
    if (!running) process.exit(0);
    process.once(signal, () => process.exit(1));
    running.shutdown(signal).then(
      () => flushTraces().then(() => process.exit(0)),
      (error) => {
        log.error({ err: error }, 'shutdown failed');
        return flushTraces().then(() => process.exit(1));
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.on('unhandledRejection', (error) => log.error({ err: error }, 'unhandled rejection'));

  start().then(
    (started) => {
      running = started;
    },
    (error) => {
      if (error instanceof ConfigError) {
        process.stderr.write(`${name}: ${error.message}\n`);
      } else {
        log.fatal({ err: error }, 'failed to start');
      }
      process.exit(1);
    },
  );
}

/**
 * Exports the spans still buffered, the drain's own included, before the
 * process exits (process.exit skips the SDK's own beforeExit hook). Bounded:
 * a collector that is down must not hold the exit. A no-op when tracing is
 * off (platform/telemetry.ts registered no SDK).
 */
async function flushTraces(timeoutMs = 3_000): Promise<void> {
  const provider = trace.getTracerProvider() as { getDelegate?: () => { shutdown?: () => Promise<void> } };
  const sdk = provider.getDelegate?.();
  if (!sdk?.shutdown) return;
  await Promise.race([sdk.shutdown().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
}
