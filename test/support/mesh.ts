import { randomUUID } from 'node:crypto';
import { createClient, type CallOptions } from '../../platform/client';
import type { RunningService } from '../../platform/service-runtime';
import { CatalogServiceService } from '../../gen/ts/shop/catalog/v1/catalog';
import { OrdersServiceService } from '../../gen/ts/shop/orders/v1/orders';
import { PaymentsServiceService } from '../../gen/ts/shop/payments/v1/payments';
import { UsersServiceService } from '../../gen/ts/shop/users/v1/users';
import { NotificationsServiceService } from '../../gen/ts/shop/notifications/v1/notifications';
import { catalogConfig } from '../../services/catalog/src/config';
import { startCatalog } from '../../services/catalog/src/main';
import { notificationsConfig } from '../../services/notifications/src/config';
import { startNotifications } from '../../services/notifications/src/main';
import { ordersConfig } from '../../services/orders/src/config';
import { startOrders } from '../../services/orders/src/main';
import { paymentsConfig } from '../../services/payments/src/config';
import { startPayments } from '../../services/payments/src/main';
import { usersConfig } from '../../services/users/src/config';
import { startUsers } from '../../services/users/src/main';
import { dropDatabases } from './databases';
import { testConfig, testDatabase } from './service-config';

export interface Shopper {
  userId: string;
  email: string;
  /** Call options with the shopper's bearer token. */
  auth: CallOptions;
}

/**
 * users, catalog, orders, payments and notifications in this process, each on a fresh
 * database and with consumer groups of their own, talking over real gRPC and
 * the real Kafka broker.
 */
export async function startMesh(
  overrides: {
    orders?: Record<string, string>;
    catalog?: Record<string, string>;
    payments?: Record<string, string>;
    notifications?: Record<string, string>;
  } = {},
) {
  const run = randomUUID().slice(0, 8);
  // Topics of this mesh alone: its fresh consumer groups read from the beginning,
  // and the run's earlier meshes' events would be a backlog to wade through first.
  const topics = { KAFKA_TOPIC_PREFIX: `${process.env.KAFKA_TOPIC_PREFIX ?? ''}${run}.` };
  const dbs: string[] = [];
  const db = (service: string) => {
    const name = testDatabase(service);
    dbs.push(name);
    return name;
  };
  const users = await startUsers(testConfig(usersConfig, { ...topics, USERS_DB_NAME: db('users') }));
  const catalog = await startCatalog(
    testConfig(catalogConfig, { ...topics, CATALOG_DB_NAME: db('catalog'), CATALOG_CONSUMER_GROUP: `catalog-${run}`, ...overrides.catalog }),
  );
  // Before orders, which calls it (CreatePaymentIntent).
  const paymentsGroup = `payments-${run}`;
  const payments = await startPayments(
    testConfig(paymentsConfig, {
      ...topics,
      PAYMENTS_DB_NAME: db('payments'),
      PAYMENTS_CONSUMER_GROUP: paymentsGroup,
      PAYMENT_RETRY_BASE_MS: '10',
      ...overrides.payments,
    }),
  );
  const ordersSettings = testConfig(ordersConfig, {
    ...topics,
    ORDERS_DB_NAME: db('orders'),
    ORDERS_CONSUMER_GROUP: `orders-${run}`,
    USERS_ADDRESSES: users.address,
    CATALOG_ADDRESSES: catalog.address,
    PAYMENTS_ADDRESSES: payments.address,
    ...overrides.orders,
  });
  const orders = await startOrders(ordersSettings);
  const notificationsGroup = `notifications-${run}`;
  const notifications = await startNotifications(
    testConfig(notificationsConfig, {
      ...topics,
      NOTIFICATIONS_DB_NAME: db('notifications'),
      NOTIFICATIONS_CONSUMER_GROUP: notificationsGroup,
      ...overrides.notifications,
    }),
  );
  const services: RunningService[] = [notifications, payments, orders, catalog, users];
  const clients = {
    users: createClient(UsersServiceService, { addresses: [users.address], deadlineMs: 5000 }),
    catalog: createClient(CatalogServiceService, { addresses: [catalog.address], deadlineMs: 5000 }),
    orders: createClient(OrdersServiceService, { addresses: [orders.address], deadlineMs: 5000 }),
    payments: createClient(PaymentsServiceService, { addresses: [payments.address], deadlineMs: 5000 }),
    notifications: createClient(NotificationsServiceService, { addresses: [notifications.address], deadlineMs: 5000 }),
  };

  return {
    ...clients,
    services: { users, catalog, orders, payments, notifications },
    ordersConfig: ordersSettings,
    paymentsGroup,
    notificationsGroup,
    databases: dbs,

    async shopper(): Promise<Shopper> {
      const email = `shopper-${randomUUID().slice(0, 8)}@example.com`;
      const password = 'shopper-password';
      const { user } = await clients.users.register({ email, password, displayName: 'Test Shopper', phone: '', address: '' });
      const { accessToken } = await clients.users.login({ email, password });
      return { userId: user!.id, email, auth: { metadata: { authorization: `Bearer ${accessToken}` } } };
    },

    async stop(): Promise<void> {
      for (const client of Object.values(clients) as { close(): void }[]) client.close();
      for (const service of services) await service.shutdown('test done');
      await dropDatabases(ordersSettings.MYSQL_URL, dbs);
    },
  };
}

export type Mesh = Awaited<ReturnType<typeof startMesh>>;
