import { httpJsonClient } from '../lib/http-json';
import type { ProductRef, ShopApi } from './shop-api';

const productRef = (p: any): ProductRef => ({ id: p?.id ?? '', category: p?.category ?? '', stock: Number(p?.stock ?? 0) });
const query = (params: Record<string, string | number | undefined>) => {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
};

/** The shop over REST through the edge (the gateway or Envoy), proto3 JSON both ways. */
export function restShopApi(baseUrl: string, { maxSockets = 64 }: { maxSockets?: number } = {}): ShopApi {
  const http = httpJsonClient(baseUrl, { maxSockets });
  return {
    surface: 'rest',
    async register(account) {
      const { user } = await http.request('POST', '/v1/users', { body: account });
      return { userId: user?.id ?? '' };
    },
    async login(email, password) {
      const { accessToken, user } = await http.request('POST', '/v1/users:login', { body: { email, password } });
      return { userId: user?.id ?? '', email, token: accessToken };
    },
    async listCategories() {
      const { categories = [] } = await http.request('GET', '/v1/categories');
      return categories.map((c: { slug: string }) => c.slug);
    },
    async listProducts({ category, query: text, pageSize = 20, pageToken }) {
      const page = await http.request('GET', `/v1/products${query({ category, query: text, pageSize, pageToken })}`);
      return { products: (page.products ?? []).map(productRef), nextPageToken: page.nextPageToken ?? '' };
    },
    async getProduct(id) {
      return productRef((await http.request('GET', `/v1/products/${encodeURIComponent(id)}`)).product);
    },
    async createProduct(session, p) {
      const { product } = await http.request('POST', '/v1/products', {
        token: session.token,
        body: {
          name: p.name,
          description: p.description,
          category: p.category,
          stock: p.stock,
          tags: p.tags,
          price: { currencyCode: p.currencyCode, amountMinor: String(p.amountMinor) },
        },
      });
      return productRef(product);
    },
    async createOrder(session, order) {
      const { order: created } = await http.request('POST', '/v1/orders', { token: session.token, body: order });
      return { orderId: created?.id ?? '' };
    },
    async listNotifications(session, pageSize = 20) {
      const { notifications = [] } = await http.request('GET', `/v1/notifications${query({ pageSize })}`, { token: session.token });
      return notifications.length;
    },
    close: () => http.close(),
  };
}
