import { defineService } from '../../../platform/rpc/bind-service';
import type { ServiceDeps } from '../../../platform/service-runtime';
import { PaymentsServiceService } from '../../../gen/ts/shop/payments/v1/payments';
import type { PaymentsConfig } from './config';
import { createSimulatedProcessor } from './domain/processor';
import { getPaymentHandler } from './handlers/get-payment';
import { orderEventHandlers } from './handlers/order-events';
import { createPaymentsStore } from './store/payments-store';

export const SERVICE_NAME = 'payments';

export function createPaymentsService({ config, db, outbox, log }: ServiceDeps<PaymentsConfig>) {
  const store = createPaymentsStore(db);
  return {
    binding: defineService({
      definition: PaymentsServiceService,
      handlers: { getPayment: getPaymentHandler(store) },
      access: { getPayment: 'authenticated' },
    }),
    subscriptions: orderEventHandlers({
      store,
      processor: createSimulatedProcessor(),
      log,
      retry: { maxAttempts: config.PAYMENT_MAX_ATTEMPTS, baseMs: config.PAYMENT_RETRY_BASE_MS },
      outbox,
    }),
  };
}
