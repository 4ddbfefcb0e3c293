/** My orders, newest first, statuses kept fresh by the notification stream. */
import { shop } from '../api.js';
import { h, replaceChildren } from '../dom.js';
import { liveFeed } from '../live-feed.js';
import { formatDateTime, formatMoney } from '../money.js';
import { href } from '../router.js';
import { session } from '../session.js';
import { errorPanel, loading, loginPrompt, orderNumber, screen, statusBadge } from './common.js';

export function ordersView(main, { isCurrent, onLeave }) {
  screen(main, 'My orders');
  if (!session.loggedIn) return main.append(loginPrompt('your orders'));

  const list = h('ul', { class: 'order-list' });
  const more = h('div', { class: 'more' });
  main.append(list, more);
  const rows = new Map();

  const row = (order) => {
    const count = order.items.reduce((sum, item) => sum + item.quantity, 0);
    return h('li', { class: 'card order-row', dataset: { orderId: order.id } },
      h('a', { class: 'order-row-link', href: href(`/orders/${order.id}`) },
        h('span', { class: 'order-row-number' }, `Order ${orderNumber(order.id)}`),
        h('span', { class: 'fine-print' }, formatDateTime(order.createdAt))),
      h('span', { class: 'order-row-items' }, `${count} ${count === 1 ? 'item' : 'items'}: ${order.items.map((i) => i.productName).join(', ')}`),
      h('span', { class: 'price' }, formatMoney(order.total)),
      statusBadge(order.status));
  };

  const show = (order) => {
    const fresh = row(order);
    rows.get(order.id)?.replaceWith(fresh);
    rows.set(order.id, fresh);
    return fresh;
  };

  const load = async (pageToken) => {
    replaceChildren(more, loading('Loading your orders…'));
    try {
      const page = await shop.orders({ pageSize: 10, pageToken });
      if (!isCurrent()) return;
      const orders = page.orders ?? [];
      list.append(...orders.map(show));
      if (!rows.size) {
        replaceChildren(more, h('div', { class: 'panel panel-centered' }, h('p', {}, 'No orders yet.'), h('a', { class: 'button', href: href('/') }, 'Order something tasty')));
        return;
      }
      replaceChildren(more, page.nextPageToken ? h('button', { type: 'button', class: 'button button-secondary', onClick: () => load(page.nextPageToken) }, 'Show older orders') : '');
    } catch (error) {
      if (isCurrent()) replaceChildren(more, errorPanel(error, () => load(pageToken)));
    }
  };

  onLeave(liveFeed.onNotification(async (notification) => {
    const id = [...rows.keys()].find((orderId) => notification.body.includes(orderId));
    if (!id) return;
    const { order } = await shop.order(id).catch(() => ({}));
    if (order && isCurrent()) show(order);
  }));
  void load();
}
