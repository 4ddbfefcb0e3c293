import { backOff } from 'exponential-backoff';
import { TransientProcessorError, type ChargeRequest, type ChargeResult, type PaymentProcessor } from './processor';

export interface ChargeOutcome {
  result: ChargeResult;
  attempts: number;
}

/**
 * Charges with bounded exponential backoff on transient failures only; a
 * decline is an answer, not a failure. When attempts run out the payment
 * fails with the last transient error as its reason.
 */
export async function chargeWithRetry(
  processor: PaymentProcessor,
  request: Omit<ChargeRequest, 'attempt'>,
  { maxAttempts, baseMs }: { maxAttempts: number; baseMs: number },
): Promise<ChargeOutcome> {
  let attempts = 0;
  try {
    const result = await backOff(() => processor.charge({ ...request, attempt: ++attempts }), {
      numOfAttempts: maxAttempts,
      startingDelay: baseMs,
      timeMultiple: 2,
      maxDelay: 2_000,
      retry: (error) => error instanceof TransientProcessorError,
    });
    return { result, attempts };
  } catch (error) {
    if (!(error instanceof TransientProcessorError)) throw error;
    return { result: { approved: false, reason: `processor unavailable after ${attempts} attempts: ${error.message}` }, attempts };
  }
}
