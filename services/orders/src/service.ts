import { createClient } from '../../../platform/client';
import { defineService } from '../../../platform/rpc/bind-service';
import { createServiceCredentials } from '../../../platform/service-credentials';
import type { ServiceDeps } from '../../../platform/service-runtime';
import { CatalogServiceService } from '../../../gen/ts/shop/catalog/v1/catalog';
import { OrdersServiceService } from '../../../gen/ts/shop/orders/v1/orders';
import { PaymentsServiceService } from '../../../gen/ts/shop/payments/v1/payments';
import { UsersServiceService } from '../../../gen/ts/shop/users/v1/users';
import type { OrdersConfig } from './config';
import { cancelOrderHandler } from './handlers/cancel-order';
import { createOrderHandler } from './handlers/create-order';
import { orderQueryHandlers } from './handlers/order-queries';
import { paymentEventHandlers } from './handlers/payment-events';
import { createOrdersStore } from './store/orders-store';

export const SERVICE_NAME = 'orders';

/** The orders contract and the payment events it reacts to; used by main.ts and tests alike. */
export function createOrdersService({ config, db, outbox, log, onClose, resolver, tokens }: ServiceDeps<OrdersConfig>) {
  const store = createOrdersStore(db);
  const users = createClient(UsersServiceService, { addresses: config.USERS_ADDRESSES, deadlineMs: config.CLIENT_DEADLINE_MS, resolver });
  const catalog = createClient(CatalogServiceService, {
    addresses: config.CATALOG_ADDRESSES,
    deadlineMs: config.CLIENT_DEADLINE_MS,
    resolver,
  });
  const payments = createClient(PaymentsServiceService, {
    addresses: config.PAYMENTS_ADDRESSES,
    deadlineMs: config.CLIENT_DEADLINE_MS,
    resolver,
  });
  const serviceAuth = createServiceCredentials(tokens, SERVICE_NAME);
  onClose('users client', async () => users.close());
  onClose('catalog client', async () => catalog.close());
  onClose('payments client', async () => payments.close());

  return {
    binding: defineService({
      definition: OrdersServiceService,
      handlers: {
        createOrder: createOrderHandler({ store, users, catalog, payments, outbox, serviceAuth }),
        cancelOrder: cancelOrderHandler(store, outbox),
        ...orderQueryHandlers(store),
      },
    }),
    subscriptions: paymentEventHandlers(store, outbox, log),
  };
}
