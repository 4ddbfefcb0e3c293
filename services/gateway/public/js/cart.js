/**
 * The cart, in localStorage so it survives reloads and is shared by tabs.
 * Lines keep a snapshot of the product (name, price, category) to draw the
 * cart without a request; the order itself is priced by the catalog.
 */
import { sumMoney, timesMoney } from './money.js';

const KEY = 'shopmesh.cart';
const CHECKOUT_KEY = 'shopmesh.checkout';
export const MAX_QUANTITY = 20;
const events = new EventTarget();

function load() {
  try {
    const lines = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    return Array.isArray(lines) ? lines.filter((l) => l?.productId && Number.isInteger(l.quantity) && l.quantity > 0) : [];
  } catch {
    return [];
  }
}

let lines = load();

function save() {
  localStorage.setItem(KEY, JSON.stringify(lines));
  events.dispatchEvent(new Event('change'));
}

// Another tab changed the cart.
window.addEventListener('storage', (event) => {
  if (event.key !== KEY) return;
  lines = load();
  events.dispatchEvent(new Event('change'));
});

const snapshot = (product) => ({ name: product.name, category: product.category, price: product.price, imageUrl: product.imageUrl ?? '', stock: product.stock });
const clamp = (quantity, stock) => Math.max(0, Math.min(quantity, MAX_QUANTITY, stock ?? MAX_QUANTITY));

export const cart = {
  lines: () => lines.map((line) => ({ ...line })),
  count: () => lines.reduce((sum, line) => sum + line.quantity, 0),
  quantityOf: (productId) => lines.find((l) => l.productId === productId)?.quantity ?? 0,
  subtotal: () => sumMoney(lines.map((line) => timesMoney(line.price, line.quantity))),
  /** Adds to a line; answers the quantity now in the cart. */
  add(product, quantity = 1) {
    const line = lines.find((l) => l.productId === product.id);
    if (line) Object.assign(line, snapshot(product), { quantity: clamp(line.quantity + quantity, product.stock) });
    else lines.push({ productId: product.id, quantity: clamp(quantity, product.stock), ...snapshot(product) });
    lines = lines.filter((l) => l.quantity > 0);
    save();
    return cart.quantityOf(product.id);
  },
  setQuantity(productId, quantity) {
    const line = lines.find((l) => l.productId === productId);
    if (!line) return;
    line.quantity = clamp(Math.floor(quantity) || 0, line.stock);
    lines = lines.filter((l) => l.quantity > 0);
    save();
  },
  remove(productId) {
    lines = lines.filter((l) => l.productId !== productId);
    save();
  },
  /** Newer names and prices from the catalog, for lines still on the menu. */
  refresh(products) {
    for (const product of products) {
      const line = lines.find((l) => l.productId === product.id);
      if (line) Object.assign(line, snapshot(product), { quantity: clamp(line.quantity, product.stock) });
    }
    lines = lines.filter((l) => l.quantity > 0);
    save();
  },
  clear() {
    lines = [];
    localStorage.removeItem(CHECKOUT_KEY);
    save();
  },
  onChange(listener) {
    events.addEventListener('change', listener);
    return () => events.removeEventListener('change', listener);
  },
};

/**
 * The idempotency key of a checkout. The same cart and card keep the same key,
 * so retrying after a lost answer (network, 503) returns the order already
 * placed instead of placing a second one; a changed cart is a new checkout.
 */
export function checkoutKey(order) {
  const fingerprint = JSON.stringify([order.items, order.paymentToken]);
  try {
    const stored = JSON.parse(localStorage.getItem(CHECKOUT_KEY) ?? 'null');
    if (stored?.fingerprint === fingerprint && stored.key) return stored.key;
  } catch {
    // A damaged entry: start a new checkout.
  }
  const key = randomUuid();
  localStorage.setItem(CHECKOUT_KEY, JSON.stringify({ fingerprint, key }));
  return key;
}

/** crypto.randomUUID exists only in secure contexts (https, localhost); a LAN address over http lacks it. */
function randomUuid() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
