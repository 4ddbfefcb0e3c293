/**
 * The simulated card processor, with documented test tokens (see
 * payments.proto):
 *   tok_visa (or empty)  approved
 *   tok_declined         declined: a final answer, never retried
 *   tok_transient        fails transiently on the first two attempts of a
 *                        payment, then is approved
 * Any other token is declined as unknown. A real processor sits behind the
 * same interface and receives the payment id as its idempotency key, so a
 * retried charge is never taken twice. The simulation keeps that promise
 * too: a final answer (approved or declined) is remembered per payment id and
 * repeated, without a second charge, when the same payment is charged again.
 */
export const TEST_TOKENS = { approved: 'tok_visa', declined: 'tok_declined', transient: 'tok_transient' } as const;

export interface ChargeRequest {
  paymentId: string;
  token: string;
  amountMinor: bigint;
  currency: string;
  /** 1 for the first attempt of this payment. */
  attempt: number;
}

export type ChargeResult = { approved: true } | { approved: false; reason: string };

/** Thrown for failures worth retrying (timeouts, processor hiccups). */
export class TransientProcessorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransientProcessorError';
  }
}

export const TRANSIENT_FAILURES_BEFORE_SUCCESS = 2;

/** Idempotency keys remembered by the simulation; a real processor keeps them for at least a day. */
const REMEMBERED_PAYMENTS = 100_000;

export function createSimulatedProcessor() {
  const answered = new Map<string, ChargeResult>();

  async function decide(req: ChargeRequest): Promise<ChargeResult> {
    if (req.amountMinor <= 0n) return { approved: false, reason: 'amount must be positive' };
    switch (req.token || TEST_TOKENS.approved) {
      case TEST_TOKENS.approved:
        return { approved: true };
      case TEST_TOKENS.declined:
        return { approved: false, reason: 'card declined' };
      case TEST_TOKENS.transient:
        if (req.attempt <= TRANSIENT_FAILURES_BEFORE_SUCCESS) throw new TransientProcessorError(`processor timeout (attempt ${req.attempt})`);
        return { approved: true };
      default:
        return { approved: false, reason: 'unknown payment token' };
    }
  }

  return {
    async charge(req: ChargeRequest): Promise<ChargeResult> {
      const earlier = answered.get(req.paymentId);
      if (earlier) return earlier;
      const result = await decide(req);
      if (answered.size >= REMEMBERED_PAYMENTS) answered.delete(answered.keys().next().value!);
      answered.set(req.paymentId, result);
      return result;
    },
  };
}

export type PaymentProcessor = ReturnType<typeof createSimulatedProcessor>;
