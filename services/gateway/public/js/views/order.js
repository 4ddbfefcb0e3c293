/**
 * One order, its status followed live: the notification stream says when
 * something happened to it, GET /v1/orders/{id} says what its status is now.
 * Polling covers a stream that is down or slow to reconnect.
 */
import { shop } from '../api.js';
import { announce, h, replaceChildren } from '../dom.js';
import { liveFeed } from '../live-feed.js';
import { formatDateTime, formatMoney } from '../money.js';
import { href } from '../router.js';
import { session } from '../session.js';
import { errorPanel, loading, loginPrompt, orderNumber, screen, shortStatus, statusBadge, statusLabel } from './common.js';

const POLL_WHEN_LIVE_MS = 5000;
const POLL_WHEN_OFFLINE_MS = 1500;
// A notification about the order can outrun the order's own update (both follow the same payment event).
const POLL_AFTER_NEWS_MS = 400;
const NEWS_WINDOW_MS = 6000;
const placed = new Map();

/** The order checkout just created: drawn at once, without waiting for a GET. */
export function rememberOrder(order) {
  placed.set(order.id, order);
}

const cancellable = (status) => ['PENDING', 'PAID'].includes(shortStatus(status));

export function orderView(main, { match, isCurrent, onLeave }) {
  const id = decodeURIComponent(match.groups.id);
  screen(main, `Order ${orderNumber(id)}`);
  if (!session.loggedIn) return main.append(loginPrompt('this order'));

  let order = placed.get(id);
  placed.delete(id);
  let timer;
  let fetching = false;
  let newsUntil = 0;
  const view = h('div', { class: 'order' });
  const statusRegion = h('div', { class: 'order-status', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });
  const live = h('p', { class: 'live-indicator' });
  main.append(statusRegion, live, view);

  const showLive = () => {
    const on = liveFeed.state === 'live';
    live.dataset.state = on ? 'live' : 'polling';
    replaceChildren(live, h('span', { class: 'live-dot', 'aria-hidden': 'true' }), on ? 'Live updates on' : 'Checking for updates every few seconds');
  };

  const draw = (previous) => {
    const status = shortStatus(order.status);
    statusRegion.dataset.status = status;
    replaceChildren(statusRegion,
      statusBadge(order.status),
      h('p', { class: 'status-text' }, statusSentence(order)));
    if (previous && previous !== order.status) announce(`Order ${orderNumber(order.id)}: ${statusLabel(order.status)}.`);
    replaceChildren(view,
      progress(order),
      h('section', { class: 'card order-items', 'aria-labelledby': 'items-title' },
        h('h2', { id: 'items-title' }, 'What you ordered'),
        h('ul', { class: 'order-lines' }, order.items.map((item) => h('li', { class: 'order-line' },
          h('span', {}, h('a', { href: href(`/product/${item.productId}`) }, item.productName), ` × ${item.quantity}`),
          h('span', { class: 'price' }, formatMoney(item.lineTotal))))),
        h('dl', { class: 'totals' }, h('dt', {}, 'Total'), h('dd', { class: 'price' }, formatMoney(order.total))),
        h('p', { class: 'fine-print' }, `Placed ${formatDateTime(order.createdAt)} · updated ${formatDateTime(order.updatedAt)}`)),
      cancelControls(),
      h('p', {}, h('a', { href: href('/orders') }, '← All my orders')));
  };

  const cancelControls = () => {
    if (!cancellable(order.status)) return null;
    const box = h('div', { class: 'cancel-box' });
    const ask = () => replaceChildren(box,
      h('p', {}, shortStatus(order.status) === 'PAID' ? 'Cancel this order? You will get a full refund.' : 'Cancel this order?'),
      h('div', { class: 'button-row' },
        h('button', { type: 'button', class: 'button button-danger', onClick: confirm }, 'Yes, cancel it'),
        h('button', { type: 'button', class: 'button button-secondary', onClick: reset }, 'Keep my order')));
    const reset = () => replaceChildren(box, h('button', { type: 'button', class: 'button button-secondary', onClick: () => {
      ask();
      box.querySelector('button').focus();
    } }, 'Cancel order'));
    const confirm = async (event) => {
      event.target.disabled = true;
      try {
        const previous = order.status;
        ({ order } = await shop.cancelOrder(order.id, 'cancelled by the customer in the storefront'));
        if (isCurrent()) draw(previous);
      } catch (error) {
        if (!isCurrent()) return;
        replaceChildren(box, errorPanel(error), h('button', { type: 'button', class: 'button button-secondary', onClick: reset }, 'OK'));
        void refresh();
      }
    };
    reset();
    return box;
  };

  const refresh = async () => {
    if (fetching) return;
    fetching = true;
    try {
      const previous = order?.status;
      ({ order } = await shop.order(id));
      if (isCurrent()) draw(previous);
    } catch (error) {
      if (isCurrent() && !order) replaceChildren(view, errorPanel(error, refresh));
    } finally {
      fetching = false;
    }
    schedule();
  };

  const schedule = () => {
    clearTimeout(timer);
    if (!isCurrent() || !order || shortStatus(order.status) !== 'PENDING') return;
    const wait = Date.now() < newsUntil ? POLL_AFTER_NEWS_MS : liveFeed.state === 'live' ? POLL_WHEN_LIVE_MS : POLL_WHEN_OFFLINE_MS;
    timer = setTimeout(refresh, wait);
  };

  onLeave(() => clearTimeout(timer));
  onLeave(liveFeed.onState(showLive));
  onLeave(liveFeed.onNotification((notification) => {
    // Notifications name their order only in the text (they carry no order id field).
    if (!`${notification.title} ${notification.body}`.includes(id)) return;
    newsUntil = Date.now() + NEWS_WINDOW_MS;
    void refresh();
  }));
  showLive();
  if (order) {
    draw();
    schedule();
  } else {
    view.append(loading('Loading your order…'));
  }
  // Even a fresh order is read back once: the payment may have been decided already.
  void refresh();
}

function statusSentence(order) {
  switch (shortStatus(order.status)) {
    case 'PENDING': return 'We\'ve got your order and are taking the payment…';
    case 'PAID': return 'Payment received. The kitchen is on it!';
    case 'PAYMENT_FAILED': return `The payment didn't go through${order.statusReason ? `: ${order.statusReason}` : ''}. Nothing was charged; you can order again with another card.`;
    case 'CANCELLED': return `This order was cancelled${order.statusReason ? ` (${order.statusReason})` : ''}.`;
    default: return '';
  }
}

function progress(order) {
  const status = shortStatus(order.status);
  const step = (label, state) => h('li', { class: `step step-${state}` }, h('span', { class: 'step-mark', 'aria-hidden': 'true' }), label,
    h('span', { class: 'visually-hidden' }, { done: ' (done)', current: ' (in progress)', failed: ' (failed)', todo: '' }[state]));
  const paymentState = { PENDING: 'current', PAID: 'done', PAYMENT_FAILED: 'failed', CANCELLED: 'todo' }[status] ?? 'todo';
  return h('ol', { class: 'steps', 'aria-label': 'Progress' },
    step('Order placed', 'done'),
    step(status === 'PAYMENT_FAILED' ? 'Payment failed' : 'Payment', paymentState),
    status === 'CANCELLED' ? step('Cancelled', 'failed') : step('Cooking', status === 'PAID' ? 'current' : 'todo'));
}
