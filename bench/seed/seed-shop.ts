import { randomUUID } from 'node:crypto';
import { Code } from '../../platform/errors';
import { CliError } from '../../scripts/lib/cli';
import { errorKind, errorMessage } from '../lib/error-kind';
import { FALLBACK_CATEGORIES, personName, sampleProduct } from '../shop-api/sample-data';
import { allProducts, signIn, type Session, type ShopApi } from '../shop-api/shop-api';

export const SEED_SHOPPER_PASSWORD = 'seed-shopper-password';

export interface SeedRequest {
  users: number;
  products: number;
  orders: number;
  /** Requests at once. */
  concurrency: number;
  admin: { email: string; password: string };
  /** Called after each user, product or order, made or failed. */
  onStep?(step: 'users' | 'products' | 'orders', failures: number): void;
}

export interface SeedResult {
  /** Part of every email of the run: `seed-<run>-<n>@example.com`. */
  run: string;
  created: { users: number; products: number; orders: number };
  /** "<what>: <code>" -> how many, and the first message. */
  failures: Map<string, { count: number; first: string }>;
}

/** Runs `work` for 0..count-1 with at most `limit` at once; a failure goes to `failed` and the rest go on. */
async function times(count: number, limit: number, work: (i: number) => Promise<void>, failed: (error: unknown) => void): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      await work(i).catch(failed);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
}

const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)];

/**
 * Test data through the shop's public API, as its clients make it: products
 * by the admin, shoppers who register and log in, orders by those shoppers
 * (most approved, some declined). Emails are new on every run.
 */
export async function seedShop(api: ShopApi, request: SeedRequest): Promise<SeedResult> {
  const run = randomUUID().slice(0, 8);
  const result: SeedResult = { run, created: { users: 0, products: 0, orders: 0 }, failures: new Map() };
  const failuresSoFar = () => [...result.failures.values()].reduce((sum, f) => sum + f.count, 0);
  const step = (name: 'users' | 'products' | 'orders') => request.onStep?.(name, failuresSoFar());
  const failed = (what: string) => (error: unknown) => {
    const key = `${what}: ${errorKind(error)}`;
    const entry = result.failures.get(key) ?? { count: 0, first: errorMessage(error) };
    entry.count++;
    result.failures.set(key, entry);
  };

  let categories = await api.listCategories();
  if (categories.length === 0) categories = FALLBACK_CATEGORIES;

  if (request.products > 0) {
    const admin = await adminSession(api, request.admin);
    const createProduct = async (i: number) => {
      await api.createProduct(admin, sampleProduct(categories[i % categories.length], `${run}-${i + 1}`)).finally(() => step('products'));
      result.created.products++;
    };
    // The first one alone: an account without the admin role would fail every product the same way.
    await createProduct(0).catch((error) => {
      if ((error as { code?: unknown }).code === Code.PERMISSION_DENIED) {
        throw new CliError(
          `${request.admin.email} has no admin role: grant it with \`npm run admin -- grant ${request.admin.email} --reason <why>\` on the users database`,
        );
      }
      failed('product')(error);
    });
    await times(request.products - 1, request.concurrency, (i) => createProduct(i + 1), failed('product'));
  }

  const shoppers: Session[] = [];
  await times(
    request.users,
    request.concurrency,
    async (i) => {
      const account = { email: `seed-${run}-${i + 1}@example.com`, password: SEED_SHOPPER_PASSWORD, displayName: personName() };
      shoppers.push(await signIn(api, account).finally(() => step('users')));
      result.created.users++;
    },
    failed('user'),
  );

  if (request.orders > 0) {
    if (shoppers.length === 0)
      shoppers.push(await signIn(api, { email: `seed-${run}-buyer@example.com`, password: SEED_SHOPPER_PASSWORD, displayName: personName() }));
    const products = (await allProducts(api, 2000)).filter((p) => p.stock > 10);
    if (products.length === 0) throw new CliError('no product in stock to order');
    await times(
      request.orders,
      request.concurrency,
      async () => {
        const lines = new Map(
          Array.from({ length: 1 + Math.floor(Math.random() * 3) }, () => {
            const product = pick(products);
            return [product.id, { productId: product.id, quantity: 1 + Math.floor(Math.random() * 2) }] as const;
          }),
        );
        // Mostly approved, some declined: both outcomes show up in order histories and notifications.
        const paymentToken = Math.random() < 0.9 ? 'tok_visa' : 'tok_declined';
        await api.createOrder(pick(shoppers), { items: [...lines.values()], idempotencyKey: randomUUID(), paymentToken }).finally(() => step('orders'));
        result.created.orders++;
      },
      failed('order'),
    );
  }
  return result;
}

/** Logs the admin in, registering the account when it does not exist yet. */
async function adminSession(api: ShopApi, { email, password }: { email: string; password: string }): Promise<Session> {
  try {
    return await signIn(api, { email, password, displayName: 'Seed Admin' });
  } catch (error) {
    if ((error as { code?: unknown }).code === Code.UNAUTHENTICATED) {
      throw new CliError(`the admin ${email} exists with another password: pass it with --admin-password`);
    }
    throw error;
  }
}
