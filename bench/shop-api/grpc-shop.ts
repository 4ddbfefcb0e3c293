import { CatalogServiceService, type Product } from '../../gen/ts/shop/catalog/v1/catalog';
import { NotificationsServiceService } from '../../gen/ts/shop/notifications/v1/notifications';
import { OrdersServiceService } from '../../gen/ts/shop/orders/v1/orders';
import { UsersServiceService } from '../../gen/ts/shop/users/v1/users';
import { createClient, type CallOptions } from '../../platform/client';
import type { ProductRef, Session, ShopApi } from './shop-api';

/** host:port of each service the shop API calls; notifications is optional. */
export interface GrpcAddresses {
  users: string;
  catalog: string;
  orders: string;
  notifications?: string;
}

const DEADLINE_MS = 15_000;
const auth = (session: Session): CallOptions => ({ metadata: { authorization: `Bearer ${session.token}` } });
const productRef = (p: Product | undefined): ProductRef => ({ id: p?.id ?? '', category: p?.category ?? '', stock: p?.stock ?? 0 });

/** The shop over gRPC, with the platform's typed clients (deadlines, retries of reads). */
export function grpcShopApi(addresses: GrpcAddresses) {
  const client = <D extends Parameters<typeof createClient>[0]>(definition: D, address: string) =>
    createClient(definition, { addresses: [address], deadlineMs: DEADLINE_MS });
  const users = client(UsersServiceService, addresses.users);
  const catalog = client(CatalogServiceService, addresses.catalog);
  const orders = client(OrdersServiceService, addresses.orders);
  const notifications = addresses.notifications ? client(NotificationsServiceService, addresses.notifications) : undefined;

  const api: ShopApi & {
    clients: { users: typeof users; catalog: typeof catalog; orders: typeof orders; notifications?: typeof notifications };
    auth: typeof auth;
  } = {
    surface: 'grpc',
    clients: { users, catalog, orders, notifications },
    auth,
    async register({ email, password, displayName }) {
      const { user } = await users.register({ email, password, displayName, phone: '', address: '' });
      return { userId: user?.id ?? '' };
    },
    async login(email, password) {
      const { accessToken, user } = await users.login({ email, password });
      return { userId: user?.id ?? '', email, token: accessToken };
    },
    async listCategories() {
      return (await catalog.listCategories({})).categories.map((c) => c.slug);
    },
    async listProducts({ category = '', query = '', pageSize = 20, pageToken = '' }) {
      const page = await catalog.listProducts({ category, query, pageSize, pageToken });
      return { products: page.products.map(productRef), nextPageToken: page.nextPageToken };
    },
    async getProduct(id) {
      return productRef((await catalog.getProduct({ id })).product);
    },
    async createProduct(session, p) {
      const { product } = await catalog.createProduct(
        {
          name: p.name,
          description: p.description,
          category: p.category,
          stock: p.stock,
          tags: p.tags,
          imageUrl: '',
          price: { currencyCode: p.currencyCode, amountMinor: String(p.amountMinor) },
        },
        auth(session),
      );
      return productRef(product);
    },
    async createOrder(session, order) {
      const { order: created } = await orders.createOrder(order, auth(session));
      return { orderId: created?.id ?? '' };
    },
    async listNotifications(session, pageSize = 20) {
      if (!notifications) throw new Error('no notifications address');
      return (await notifications.listNotifications({ pageSize, pageToken: '' }, auth(session))).notifications.length;
    },
    close() {
      for (const c of [users, catalog, orders, notifications]) c?.close();
    },
  };
  return api;
}

export type GrpcShopApi = ReturnType<typeof grpcShopApi>;
