import { trace } from '@opentelemetry/api';
import { ConfigError } from './config';
import { createLogger } from './logger';
import { startService } from './service-runtime';
import type { AnyServiceSpec } from './service-spec';

interface Running {
  shutdown(reason: string): Promise<void>;
}

/**
 * Owns the process of one service: starts it, stops it on SIGTERM/SIGINT (a
 * second signal exits at once), turns a bad configuration into one clear
 * line and exit code 1 instead of a stack trace, and ends the process on an
 * exception nobody caught. A service's main.ts is `runService(itsSpec)`;
 * an edge that is not a spec (the gateway) passes its name and its start.
 */
export function runService(spec: AnyServiceSpec): void;
export function runService(name: string, start: () => Promise<Running>): void;
export function runService(specOrName: AnyServiceSpec | string, startIt?: () => Promise<Running>): void {
  const [name, start] = typeof specOrName === 'string' ? [specOrName, startIt!] : [specOrName.name, () => startService(specOrName)];
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
  // After an exception nobody caught, the process is in a state nobody
  // designed (a half-done write, a lock held, a loop dead): log it once, export
  // the spans that explain it, exit non-zero and let the supervisor
  // (Kubernetes, compose, npm start) start a clean one. No drain: the code
  // that would drain is what just failed.
  let crashing = false;
  const crash = (kind: string) => (error: unknown) => {
    if (crashing) return;
    crashing = true;
    log.fatal({ err: error }, kind);
    void flushTraces(1_000).finally(() => process.exit(1));
  };
  process.on('uncaughtException', crash('uncaught exception'));
  process.on('unhandledRejection', crash('unhandled rejection'));

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
