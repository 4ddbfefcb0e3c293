import { randomUUID } from 'node:crypto';
import type { ProductRef, Session, ShopApi } from '../shop-api/shop-api';

/** What a shopper does, one step at a time. */
export const ACTIONS = ['register', 'login', 'browse', 'search', 'view', 'order', 'notifications'] as const;
export type ActionName = (typeof ACTIONS)[number];

/**
 * How often each step is picked, in the spirit of a storefront's funnel:
 * mostly browsing and looking at products, some searching, few orders.
 */
export const DEFAULT_MIX: Record<ActionName, number> = {
  register: 4,
  login: 3,
  browse: 30,
  search: 15,
  view: 30,
  order: 8,
  notifications: 10,
};

const SEARCH_TERMS = ['vegan', 'cheese', 'spicy', 'chicken', 'beef', 'classic', 'bacon', 'fresh', 'chocolate', 'salad', 'lemon', 'garlic'];
export const SHOPPER_PASSWORD = 'load-shopper-password';

/** What every shopper knows of the shop: fetched once before the load starts. */
export interface ShopKnowledge {
  categories: string[];
  products: ProductRef[];
}

/** Records one request: its name, how long it took, and its failure if any. */
export type RecordRequest = (name: string, ms: number, error?: unknown) => void;

/** "mix=browse=30,search=15": the weights given, the others 0. */
export function parseMix(text: string): Record<ActionName, number> {
  const mix = Object.fromEntries(ACTIONS.map((a) => [a, 0])) as Record<ActionName, number>;
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, weight] = part.split('=');
    if (!(ACTIONS as readonly string[]).includes(name) || !/^\d+(\.\d+)?$/.test(weight ?? '')) {
      throw new Error(`"${part}" is not <action>=<weight> with an action among ${ACTIONS.join(', ')}`);
    }
    mix[name as ActionName] = Number(weight);
  }
  if (Object.values(mix).every((w) => w === 0)) throw new Error('every weight is 0');
  return mix;
}

/** Picks an action with probability proportional to its weight. */
export function weightedPicker(mix: Record<ActionName, number>, random: () => number = Math.random): () => ActionName {
  const entries = ACTIONS.filter((a) => mix[a] > 0).map((a) => [a, mix[a]] as const);
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  return () => {
    let point = random() * total;
    for (const [action, weight] of entries) {
      point -= weight;
      if (point < 0) return action;
    }
    return entries[entries.length - 1][0];
  };
}

const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)];

/** Times one request and records it; the failure is recorded and rethrown. */
async function timed<T>(record: RecordRequest, name: string, request: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    const value = await request();
    record(name, performance.now() - t0);
    return value;
  } catch (error) {
    record(name, performance.now() - t0, error);
    throw error;
  }
}

/**
 * One shopper's steps against the shop. `register` signs a new shopper up and
 * logs them in (two requests); the steps that need an account use the
 * shopper's session.
 */
export function shopperSteps(api: ShopApi, shop: ShopKnowledge, record: RecordRequest, runId: string) {
  let registered = 0;
  return {
    async register(): Promise<Session> {
      const email = `load-${runId}-${++registered}-${randomUUID().slice(0, 6)}@example.com`;
      await timed(record, 'register', () => api.register({ email, password: SHOPPER_PASSWORD, displayName: `Load Shopper ${registered}` }));
      return timed(record, 'login', () => api.login(email, SHOPPER_PASSWORD));
    },
    login: (session: Session) => timed(record, 'login', () => api.login(session.email, SHOPPER_PASSWORD)),
    browse: () => timed(record, 'browse', () => api.listProducts({ category: pick(shop.categories), pageSize: 20 })),
    search: () => timed(record, 'search', () => api.listProducts({ query: pick(SEARCH_TERMS), pageSize: 20 })),
    view: () => timed(record, 'view', () => api.getProduct(pick(shop.products).id)),
    order: (session: Session) => {
      const items = Array.from({ length: 1 + Math.floor(Math.random() * 3) }, () => ({ productId: pick(shop.products).id, quantity: 1 }));
      const unique = [...new Map(items.map((i) => [i.productId, i])).values()];
      return timed(record, 'order', () => api.createOrder(session, { items: unique, idempotencyKey: randomUUID(), paymentToken: 'tok_visa' }));
    },
    notifications: (session: Session) => timed(record, 'notifications', () => api.listNotifications(session, 20)),
  };
}

export type ShopperSteps = ReturnType<typeof shopperSteps>;

const NEEDS_ACCOUNT = new Set<ActionName>(['login', 'order', 'notifications']);

/**
 * Runs one action for a shopper with `session` (or none yet); returns the
 * session to go on with. A shopper without an account who wants one (to
 * order, say) registers first, as on a real storefront.
 */
export async function perform(steps: ShopperSteps, action: ActionName, session: Session | undefined): Promise<Session | undefined> {
  if (action === 'register' || (!session && NEEDS_ACCOUNT.has(action))) return steps.register();
  if (!session) {
    if (action === 'browse') await steps.browse();
    else if (action === 'search') await steps.search();
    else await steps.view();
    return undefined;
  }
  switch (action) {
    case 'login':
      return steps.login(session);
    case 'browse':
      await steps.browse();
      return session;
    case 'search':
      await steps.search();
      return session;
    case 'view':
      await steps.view();
      return session;
    case 'order':
      await steps.order(session);
      return session;
    case 'notifications':
      await steps.notifications(session);
      return session;
  }
}
