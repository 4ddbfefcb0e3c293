import { randomUUID } from 'node:crypto';
import type { CallOptions } from '../../platform/client';
import { catalogService } from '../../services/catalog/src/service';
import { notificationsService } from '../../services/notifications/src/service';
import { ordersService } from '../../services/orders/src/service';
import { paymentsService } from '../../services/payments/src/service';
import { usersService } from '../../services/users/src/service';
import { startServiceUnderTest } from './service-under-test';

export interface Shopper {
  userId: string;
  email: string;
  /** Call options with the shopper's bearer token. */
  auth: CallOptions;
}

/**
 * users, catalog, orders, payments and notifications in this process, each
 * started by the test harness (test/support/service-under-test.ts) on a fresh
 * database with a consumer group of its own, on topics of this mesh alone,
 * talking over real gRPC and the real Kafka broker.
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
  const users = await startServiceUnderTest(usersService, { overrides: topics });
  const catalog = await startServiceUnderTest(catalogService, { overrides: { ...topics, ...overrides.catalog } });
  // Before orders, which calls it (CreatePaymentIntent).
  const payments = await startServiceUnderTest(paymentsService, { overrides: { ...topics, PAYMENT_RETRY_BASE_MS: '10', ...overrides.payments } });
  const orders = await startServiceUnderTest(ordersService, {
    calls: { users: users.address, catalog: catalog.address, payments: payments.address },
    overrides: { ...topics, ...overrides.orders },
  });
  const notifications = await startServiceUnderTest(notificationsService, { overrides: { ...topics, ...overrides.notifications } });
  const underTest = [notifications, orders, payments, catalog, users];
  const clients = {
    users: users.client,
    catalog: catalog.client,
    orders: orders.client,
    payments: payments.client,
    notifications: notifications.client,
  };

  return {
    ...clients,
    services: { users: users.service, catalog: catalog.service, orders: orders.service, payments: payments.service, notifications: notifications.service },
    ordersConfig: orders.config,
    paymentsGroup: payments.config.PAYMENTS_CONSUMER_GROUP,
    notificationsGroup: notifications.config.NOTIFICATIONS_CONSUMER_GROUP,
    databases: [
      users.config.USERS_DB_NAME,
      catalog.config.CATALOG_DB_NAME,
      payments.config.PAYMENTS_DB_NAME,
      orders.config.ORDERS_DB_NAME,
      notifications.config.NOTIFICATIONS_DB_NAME,
    ],
    /** Call options with an admin token (e.g. to create products). */
    asAdmin: catalog.asAdmin,

    async shopper(): Promise<Shopper> {
      const email = `shopper-${randomUUID().slice(0, 8)}@example.com`;
      const password = 'shopper-password';
      const { user } = await clients.users.register({ email, password, displayName: 'Test Shopper', phone: '', address: '' });
      const { accessToken } = await clients.users.login({ email, password });
      return { userId: user!.id, email, auth: { metadata: { authorization: `Bearer ${accessToken}` } } };
    },

    async stop(): Promise<void> {
      for (const service of underTest) await service.stop();
    },
  };
}

export type Mesh = Awaited<ReturnType<typeof startMesh>>;
