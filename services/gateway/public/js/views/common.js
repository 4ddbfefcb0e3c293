/** Pieces several screens share. */
import { cart } from '../cart.js';
import { announce, dishImage, h, toast } from '../dom.js';
import { formatMoney } from '../money.js';
import { href } from '../router.js';

/** Starts a screen: its title, its h1 (focus target after navigation). */
export function screen(main, title, ...intro) {
  document.title = `${title} · Shopmesh Kitchen`;
  const heading = h('h1', { class: 'screen-title', tabindex: '-1' }, title);
  main.replaceChildren(h('div', { class: 'screen-head' }, heading, ...intro));
  return heading;
}

/** A message where content would be; `retry` adds a "Try again" button. */
export function errorPanel(error, retry) {
  const needsLogin = error?.status === 401;
  return h('div', { class: 'panel panel-error', role: 'alert' },
    h('p', {}, error?.humanMessage ?? 'Something went wrong. Please try again.'),
    needsLogin ? h('a', { class: 'button', href: href('/login', { next: location.hash.slice(1) }) }, 'Log in') : null,
    retry && !needsLogin ? h('button', { type: 'button', class: 'button button-secondary', onClick: retry }, 'Try again') : null);
}

export function loginPrompt(what) {
  return h('div', { class: 'panel panel-centered' },
    h('p', {}, `Log in to see ${what}.`),
    h('div', { class: 'button-row' },
      h('a', { class: 'button', href: href('/login', { next: location.hash.slice(1) }) }, 'Log in'),
      h('a', { class: 'button button-secondary', href: href('/register', { next: location.hash.slice(1) }) }, 'Create an account')));
}

export function loading(label = 'Loading…') {
  return h('p', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), label);
}

/** Adds a product to the cart with feedback for eyes and screen readers. */
export function addToCart(product, quantity = 1) {
  const before = cart.quantityOf(product.id);
  const now = cart.add(product, quantity);
  const message = now > before ? `Added ${product.name} to your cart (${now} in cart).` : `You already have the most ${product.name} we can serve in one order.`;
  announce(message);
  toast(message);
}

export function stockNote(product) {
  if (product.stock <= 0) return h('span', { class: 'stock stock-out' }, 'Sold out');
  if (product.stock < 10) return h('span', { class: 'stock stock-low' }, `Only ${product.stock} left`);
  return null;
}

/** A dish on a menu grid. */
export function productCard(product) {
  const link = href(`/product/${product.id}`);
  return h('article', { class: 'card product-card', dataset: { productId: product.id } },
    h('a', { class: 'card-media', href: link, tabindex: '-1', 'aria-hidden': 'true' }, dishImage(product)),
    h('div', { class: 'card-body' },
      h('h3', { class: 'card-title' }, h('a', { href: link }, product.name)),
      h('p', { class: 'card-text' }, product.description),
      h('ul', { class: 'tags', 'aria-label': 'Tags' }, product.tags.slice(0, 3).map((tag) => h('li', { class: 'tag' }, tag)))),
    h('div', { class: 'card-foot' },
      h('span', { class: 'price' }, formatMoney(product.price)),
      stockNote(product),
      h('button', {
        type: 'button',
        class: 'button button-small',
        disabled: product.stock <= 0,
        'aria-label': `Add ${product.name} to cart`,
        onClick: () => addToCart(product),
      }, 'Add')));
}

/** "You might also like": hidden entirely when the service has nothing or isn't there (503). */
export function recommendationsSection(title, load, exclude = () => false) {
  const list = h('div', { class: 'grid grid-compact' });
  const section = h('section', { class: 'recommendations', 'aria-labelledby': 'recommendations-title', 'aria-busy': 'true', hidden: true },
    h('h2', { id: 'recommendations-title' }, title), list);
  load().then(
    (response) => {
      const products = (response.recommendations ?? []).map((r) => r.product).filter((p) => p && !exclude(p));
      section.setAttribute('aria-busy', 'false');
      if (!products.length) return;
      list.replaceChildren(...products.slice(0, 4).map(productCard));
      section.hidden = false;
    },
    () => section.setAttribute('aria-busy', 'false'),
  );
  return section;
}

const STATUS = {
  ORDER_STATUS_PENDING: { label: 'Waiting for payment', tone: 'pending' },
  ORDER_STATUS_PAID: { label: 'Paid', tone: 'good' },
  ORDER_STATUS_PAYMENT_FAILED: { label: 'Payment failed', tone: 'bad' },
  ORDER_STATUS_CANCELLED: { label: 'Cancelled', tone: 'muted' },
};

/** PENDING, PAID, PAYMENT_FAILED, CANCELLED: the enum name without its prefix. */
export const shortStatus = (status) => String(status ?? '').replace(/^ORDER_STATUS_/, '');

export function statusBadge(status) {
  const known = STATUS[status] ?? { label: 'Unknown', tone: 'muted' };
  return h('span', { class: `badge badge-${known.tone}`, dataset: { status: shortStatus(status) } }, known.label);
}

export const statusLabel = (status) => STATUS[status]?.label ?? 'Unknown';

/** Orders are named by the start of their id, like a receipt number. */
export const orderNumber = (id) => `#${String(id).slice(0, 8).toUpperCase()}`;
