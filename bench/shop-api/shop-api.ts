import { Code } from '../../platform/errors';

/** A logged-in shopper. */
export interface Session {
  userId: string;
  email: string;
  token: string;
}

export interface ProductRef {
  id: string;
  category: string;
  stock: number;
}

export interface NewProduct {
  name: string;
  description: string;
  category: string;
  currencyCode: string;
  amountMinor: number;
  stock: number;
  tags: string[];
}

export interface OrderLine {
  productId: string;
  quantity: number;
}

/**
 * What a shopper (and an admin) does with the shop, over one of its public
 * surfaces: gRPC to each service, or REST through the edge. The load
 * generator, the test-data generator and the benchmarks speak to both alike.
 */
export interface ShopApi {
  readonly surface: 'grpc' | 'rest';
  register(account: { email: string; password: string; displayName: string }): Promise<{ userId: string }>;
  login(email: string, password: string): Promise<Session>;
  listCategories(): Promise<string[]>;
  listProducts(query: { category?: string; query?: string; pageSize?: number; pageToken?: string }): Promise<{ products: ProductRef[]; nextPageToken: string }>;
  getProduct(id: string): Promise<ProductRef>;
  createProduct(session: Session, product: NewProduct): Promise<ProductRef>;
  createOrder(session: Session, order: { items: OrderLine[]; idempotencyKey: string; paymentToken: string }): Promise<{ orderId: string }>;
  /** The shopper's latest notifications; resolves with how many came back. */
  listNotifications(session: Session, pageSize?: number): Promise<number>;
  close(): void;
}

/** Either surface's "already exists" (gRPC ALREADY_EXISTS, or 409 with that code from the edge). */
export const isAlreadyExists = (error: unknown) => (error as { code?: unknown })?.code === Code.ALREADY_EXISTS;

/** Registers (or, when the email is taken, just logs in) and returns the session. */
export async function signIn(api: ShopApi, account: { email: string; password: string; displayName: string }): Promise<Session> {
  try {
    await api.register(account);
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
  return api.login(account.email, account.password);
}

/** Every product id of the catalog (up to `limit`), paging through ListProducts. */
export async function allProducts(api: ShopApi, limit = 1000): Promise<ProductRef[]> {
  const products: ProductRef[] = [];
  let pageToken = '';
  do {
    const page = await api.listProducts({ pageSize: 100, pageToken });
    products.push(...page.products);
    pageToken = page.nextPageToken;
  } while (pageToken && products.length < limit);
  return products;
}
