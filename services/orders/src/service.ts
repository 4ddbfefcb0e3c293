import { join } from 'node:path';
import { defineService } from '../../../platform/rpc/bind-service';
import { createServiceCredentials } from '../../../platform/service-credentials';
import { defineServiceSpec, type ServiceDeps } from '../../../platform/service-spec';
import { CatalogServiceService } from '../../../gen/ts/shop/catalog/v1/catalog';
import { OrdersServiceService } from '../../../gen/ts/shop/orders/v1/orders';
import { PaymentsServiceService } from '../../../gen/ts/shop/payments/v1/payments';
import { UsersServiceService } from '../../../gen/ts/shop/users/v1/users';
import { ordersConfig, type OrdersConfig } from './config';
import { cancelOrderHandler } from './handlers/cancel-order';
import { createOrderHandler } from './handlers/create-order';
import { orderQueryHandlers } from './handlers/order-queries';
import { paymentEventHandlers } from './handlers/payment-events';
import { createOrdersStore } from './store/orders-store';

const needs = { database: { migrationsDir: join(__dirname, '..', 'migrations') }, outbox: true, consumer: true } as const;
const calls = {
  users: UsersServiceService,
  catalog: CatalogServiceService,
  payments: PaymentsServiceService,
};

/** Orders: idempotent CreateOrder over users, catalog and payments; the order's lifecycle from payment events. */
export const ordersService = defineServiceSpec({ name: 'orders', config: ordersConfig, needs, calls, build: buildOrders });

/** The orders contract and the payment events it reacts to. */
function buildOrders({ db, outbox, log, tokens, clients: { users, catalog, payments } }: ServiceDeps<OrdersConfig, typeof needs, typeof calls>) {
  const store = createOrdersStore(db);
  const serviceAuth = createServiceCredentials(tokens, ordersService.name);

  return {
    contract: defineService({
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
