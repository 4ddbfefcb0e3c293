import { join } from 'node:path';
import { createFieldCipher } from '../../../platform/field-cipher';
import { defineService } from '../../../platform/rpc/bind-service';
import { defineServiceSpec, type ServiceDeps } from '../../../platform/service-spec';
import { PaymentsServiceService } from '../../../gen/ts/shop/payments/v1/payments';
import { paymentsConfig, type PaymentsConfig } from './config';
import { createSimulatedProcessor } from './domain/processor';
import { createPaymentIntentHandler } from './handlers/create-payment-intent';
import { getPaymentHandler } from './handlers/get-payment';
import { listPaymentsHandler } from './handlers/list-payments';
import { orderEventHandlers } from './handlers/order-events';
import { startStaleTokenSweep } from './handlers/stale-intents';
import { createPaymentIntentsStore } from './store/payment-intents-store';
import { createPaymentsStore } from './store/payments-store';

const needs = { database: { migrationsDir: join(__dirname, '..', 'migrations') }, outbox: true, consumer: true } as const;

/** Payments: payment intents from orders, charges on OrderCreated through the simulated processor. */
export const paymentsService = defineServiceSpec({ name: 'payments', config: paymentsConfig, needs, build: buildPayments });

/** The payments contract and the order events it charges and refunds on. */
function buildPayments({ config, db, outbox, log, onClose }: ServiceDeps<PaymentsConfig, typeof needs>) {
  const store = createPaymentsStore(db);
  const intents = createPaymentIntentsStore(db);
  const tokenCipher = createFieldCipher(config.PAYMENTS_TOKEN_KEY, 'payment token');
  const sweep = startStaleTokenSweep({
    intents,
    log,
    ttlHours: config.PAYMENT_INTENT_TOKEN_TTL_HOURS,
    intervalSeconds: config.RETENTION_PURGE_INTERVAL_SECONDS,
  });
  onClose('stale payment token sweep', async () => sweep.stop());
  return {
    contract: defineService({
      definition: PaymentsServiceService,
      handlers: {
        getPayment: getPaymentHandler(store),
        listPayments: listPaymentsHandler(store),
        createPaymentIntent: createPaymentIntentHandler(intents, tokenCipher),
      },
      // Only orders creates intents, with its service token; no HTTP route either (envoy/envoy.yaml).
    }),
    subscriptions: orderEventHandlers({
      store,
      intents,
      tokenCipher,
      processor: createSimulatedProcessor(),
      log,
      retry: { maxAttempts: config.PAYMENT_MAX_ATTEMPTS, baseMs: config.PAYMENT_RETRY_BASE_MS },
      outbox,
    }),
  };
}
