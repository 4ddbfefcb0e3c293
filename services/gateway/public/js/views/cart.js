/** The cart and checkout: POST /v1/orders with an idempotency key kept for retries. */
import { shop } from '../api.js';
import { cart, checkoutKey, MAX_QUANTITY } from '../cart.js';
import { announce, dishImage, h } from '../dom.js';
import { formatMoney, timesMoney } from '../money.js';
import { href, navigate } from '../router.js';
import { session } from '../session.js';
import { recommendationsSection, screen } from './common.js';
import { rememberOrder } from './order.js';

/** The processor's documented test tokens (README "Test payment tokens"). */
const TEST_CARDS = [
  ['tok_visa', 'Visa ending 4242 — approved'],
  ['tok_declined', 'Card that is declined'],
  ['tok_transient', 'Flaky card — approved after retries'],
];

export function cartView(main, { onLeave, isCurrent }) {
  let checkoutError;
  let paymentToken = 'tok_visa';
  screen(main, 'Your cart');
  const content = h('div', { class: 'cart-content' });
  main.append(content);

  const render = () => {
    const lines = cart.lines();
    if (!lines.length) {
      content.replaceChildren(h('div', { class: 'panel panel-centered' },
        h('p', {}, 'Your cart is empty. Hungry?'),
        h('a', { class: 'button', href: href('/') }, 'Browse the menu')));
      return;
    }
    content.replaceChildren(h('div', { class: 'cart-layout' },
      h('section', { 'aria-label': 'Items' }, h('ul', { class: 'cart-lines' }, lines.map(cartLine))),
      checkoutPanel()));
  };

  const checkoutPanel = () => {
    const subtotal = cart.subtotal();
    const select = h('select', { id: 'payment-token', name: 'paymentToken', class: 'input', onChange: (e) => (paymentToken = e.target.value) },
      TEST_CARDS.map(([token, label]) => h('option', { value: token, selected: token === paymentToken }, label)));
    const submit = h('button', { type: 'submit', class: 'button button-wide' }, 'Place order');
    const message = h('p', { class: 'form-error', role: 'alert', hidden: !checkoutError }, checkoutError ?? '');
    const form = h('form', { class: 'card checkout', 'aria-labelledby': 'checkout-title', onSubmit: (e) => placeOrder(e, submit, message) },
      h('h2', { id: 'checkout-title' }, 'Checkout'),
      h('dl', { class: 'totals' },
        h('dt', {}, 'Subtotal'), h('dd', { id: 'cart-subtotal' }, subtotal ? formatMoney(subtotal) : '—'),
        h('dt', {}, 'Delivery'), h('dd', {}, 'Free')),
      h('p', { class: 'fine-print' }, 'Prices are confirmed by the kitchen when you order.'),
      session.loggedIn
        ? [
          h('label', { for: 'payment-token' }, 'Pay with (test cards only)'),
          select,
          message,
          submit,
        ]
        : [
          message,
          h('a', { class: 'button button-wide', href: href('/login', { next: '/cart' }) }, 'Log in to order'),
          h('p', { class: 'fine-print' }, 'New here? ', h('a', { href: href('/register', { next: '/cart' }) }, 'Create an account')),
        ]);
    return form;
  };

  const placeOrder = async (event, submit, message) => {
    event.preventDefault();
    if (submit.disabled) return;
    const order = {
      items: cart.lines().map((l) => ({ productId: l.productId, quantity: l.quantity })),
      paymentToken,
    };
    order.idempotencyKey = checkoutKey(order);
    submit.disabled = true;
    submit.textContent = 'Placing your order…';
    message.hidden = true;
    try {
      const { order: placed } = await shop.placeOrder(order);
      checkoutError = undefined;
      rememberOrder(placed);
      cart.clear();
      announce('Order placed.');
      navigate(`/orders/${placed.id}`);
    } catch (error) {
      if (!isCurrent()) return;
      // The same cart keeps its key, so "Place order" again is safe whatever happened to this attempt.
      checkoutError = error.status === 0 || error.status >= 500
        ? `${error.humanMessage} Placing it again is safe: you won't be charged twice.`
        : error.humanMessage;
      if (error.status === 401) return navigate('/login', { next: '/cart' });
      message.textContent = checkoutError;
      message.hidden = false;
      submit.disabled = false;
      submit.textContent = 'Place order';
      message.focus?.();
    }
  };

  render();
  const ids = cart.lines().map((l) => l.productId);
  const suggestions = ids.length
    ? recommendationsSection('Goes well with your order', () => shop.boughtTogether(ids, 6), (p) => cart.quantityOf(p.id) > 0)
    : null;
  if (suggestions) main.append(suggestions);
  onLeave(cart.onChange(() => {
    // Keep focus on the control being used across the redraw.
    const focused = document.activeElement?.id;
    render();
    if (focused) document.getElementById(focused)?.focus();
    for (const card of suggestions?.querySelectorAll('.product-card') ?? []) {
      if (cart.quantityOf(card.dataset.productId) > 0) card.remove();
    }
    if (suggestions && (!cart.count() || !suggestions.querySelector('.product-card'))) suggestions.hidden = true;
  }));
  refreshPrices();
}

/** The cart holds snapshots; the catalog has today's names, prices and stock. */
function refreshPrices() {
  const ids = cart.lines().map((l) => l.productId);
  if (!ids.length) return;
  shop.productsById(ids).then((r) => cart.refresh(r.products ?? []), () => undefined);
}

function cartLine(line) {
  const product = { id: line.productId, ...line };
  const qtyId = `qty-${line.productId}`;
  const max = Math.min(MAX_QUANTITY, line.stock ?? MAX_QUANTITY);
  return h('li', { class: 'cart-line', dataset: { productId: line.productId } },
    dishImage(product, 'thumb'),
    h('div', { class: 'cart-line-info' },
      h('a', { class: 'cart-line-name', href: href(`/product/${line.productId}`) }, line.name),
      h('span', { class: 'fine-print' }, `${formatMoney(line.price)} each`)),
    h('div', { class: 'stepper', role: 'group', 'aria-label': `Quantity of ${line.name}` },
      h('button', { type: 'button', id: `dec-${line.productId}`, class: 'stepper-button', 'aria-label': `One less ${line.name}`, onClick: () => cart.setQuantity(line.productId, line.quantity - 1) }, '−'),
      h('label', { class: 'visually-hidden', for: qtyId }, `Quantity of ${line.name}`),
      h('input', { id: qtyId, class: 'input input-quantity', type: 'number', min: '0', max: String(max), value: String(line.quantity), inputmode: 'numeric',
        onChange: (e) => cart.setQuantity(line.productId, Number(e.target.value)) }),
      h('button', { type: 'button', id: `inc-${line.productId}`, class: 'stepper-button', 'aria-label': `One more ${line.name}`, disabled: line.quantity >= max, onClick: () => cart.setQuantity(line.productId, line.quantity + 1) }, '+')),
    h('span', { class: 'price cart-line-total' }, formatMoney(timesMoney(line.price, line.quantity))),
    h('button', { type: 'button', class: 'link-button', 'aria-label': `Remove ${line.name}`, onClick: () => {
      cart.remove(line.productId);
      announce(`${line.name} removed from your cart.`);
    } }, 'Remove'));
}
