import { trace } from '@opentelemetry/api';
import type { Tokens } from './auth';
import { createClient, observeClientCalls } from './client';
import { Code } from './errors';
import type { Logger } from './logger';
import { registryCredentials } from './registration';
import { RegistryServiceService, type ReportedCall } from '../gen/ts/shop/registry/v1/registry';

export interface CallReportingOptions {
  registryAddresses: string[];
  serviceName: string;
  tokens: Tokens;
  /** Share of calls reported, 0..1. */
  sampleRate: number;
  log: Logger;
  deadlineMs: number;
  /** How often the samples gathered are sent, in one ReportCalls. */
  flushMs?: number;
}

/** Samples waiting beyond this are dropped: a registry that is down must not grow a caller's memory. */
const MAX_BUFFERED = 1_000;
/** The registry's own limit per report (services/registry/src/handlers/call-log.ts). */
const MAX_PER_REPORT = 500;
const REGISTRY_CONTRACT = 'shop.registry.v1.RegistryService';

let reporting = false;

/**
 * Reports a sample of this process's outbound calls (method, status, latency,
 * trace id; never a body or a token) to the registry's call log, in batches,
 * best effort: a failed report is dropped, never retried or waited for. One
 * reporter per process: tests that start several services in one process get
 * the first one's, so calls are not reported twice.
 */
export function startCallReporting(options: CallReportingOptions): { stop(): Promise<void> } | undefined {
  if (reporting || options.sampleRate <= 0) return undefined;
  reporting = true;
  const client = createClient(RegistryServiceService, { addresses: options.registryAddresses, deadlineMs: options.deadlineMs });
  const credentials = registryCredentials(options.tokens, options.serviceName);
  let buffer: ReportedCall[] = [];
  let failures = 0;

  const unsubscribe = observeClientCalls((call) => {
    // Its own registration and resolution traffic is not what an operator looks for.
    if (call.contract === REGISTRY_CONTRACT || Math.random() >= options.sampleRate || buffer.length >= MAX_BUFFERED) return;
    buffer.push({
      contract: call.contract,
      method: call.method,
      statusCode: Code[call.code] ?? 'UNKNOWN',
      latencyMs: call.latencyMs,
      time: new Date(),
      traceId: trace.getActiveSpan()?.spanContext().traceId ?? '',
    });
  });

  async function flush(): Promise<void> {
    while (buffer.length > 0) {
      const calls = buffer.slice(0, MAX_PER_REPORT);
      buffer = buffer.slice(MAX_PER_REPORT);
      try {
        await client.reportCalls({ calls }, await credentials());
        failures = 0;
      } catch (error) {
        if (failures++ === 0) options.log.warn({ err: error }, 'call samples not reported to the registry; dropped');
        return;
      }
    }
  }

  let flushing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    flushing = flushing.then(flush);
  }, options.flushMs ?? 2_000);
  timer.unref();

  return {
    async stop() {
      clearInterval(timer);
      unsubscribe();
      await flushing;
      await flush();
      client.close();
      reporting = false;
    },
  };
}
