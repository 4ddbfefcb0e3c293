/** The notifications feed: the stored ones, then new ones as they stream in. */
import { shop } from '../api.js';
import { h, replaceChildren } from '../dom.js';
import { liveFeed } from '../live-feed.js';
import { formatAgo, formatDateTime } from '../money.js';
import { href } from '../router.js';
import { session } from '../session.js';
import { errorPanel, loading, loginPrompt, orderNumber, screen } from './common.js';

const ORDER_ID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

export function notificationsView(main, { isCurrent, onLeave }) {
  screen(main, 'Notifications');
  if (!session.loggedIn) return main.append(loginPrompt('your notifications'));

  const feed = h('ol', { class: 'feed', 'aria-live': 'polite', 'aria-relevant': 'additions' });
  const more = h('div', { class: 'more' });
  main.append(feed, more);
  const seen = new Set();

  const item = (n, fresh) => {
    // Notifications name their order only in the text; show it the way the rest of the shop numbers orders.
    const orderId = /\border\b/i.test(n.body) ? n.body.match(ORDER_ID)?.[0] : undefined;
    const body = orderId ? n.body.replaceAll(orderId, orderNumber(orderId)) : n.body;
    return h('li', { class: `card feed-item${fresh ? ' feed-item-new' : ''}`, dataset: { eventType: n.eventType, notificationId: n.id, orderId } },
      h('span', { class: `feed-icon feed-icon-${tone(n.eventType)}`, 'aria-hidden': 'true' }),
      h('div', { class: 'feed-text' },
        h('p', { class: 'feed-title' }, n.title),
        h('p', { class: 'feed-body' }, body),
        orderId ? h('a', { href: href(`/orders/${orderId}`) }, 'See the order') : null),
      h('time', { class: 'fine-print', datetime: n.createdAt, title: formatDateTime(n.createdAt) }, formatAgo(n.createdAt)));
  };

  // Listen before reading the stored page, so nothing falls between the two.
  onLeave(liveFeed.onNotification((n) => {
    if (seen.has(n.id)) return;
    seen.add(n.id);
    more.querySelector('.panel')?.remove();
    feed.prepend(item(n, true));
    liveFeed.markRead();
  }));
  liveFeed.markRead();

  const load = async (pageToken) => {
    replaceChildren(more, loading('Loading notifications…'));
    try {
      const page = await shop.notifications({ pageSize: 20, pageToken });
      if (!isCurrent()) return;
      const fresh = (page.notifications ?? []).filter((n) => !seen.has(n.id));
      fresh.forEach((n) => seen.add(n.id));
      feed.append(...fresh.map((n) => item(n, false)));
      replaceChildren(more, page.nextPageToken
        ? h('button', { type: 'button', class: 'button button-secondary', onClick: () => load(page.nextPageToken) }, 'Show older')
        : seen.size ? '' : h('p', { class: 'panel panel-centered' }, 'Nothing yet. We\'ll tell you here when something happens.'));
    } catch (error) {
      if (isCurrent()) replaceChildren(more, errorPanel(error, () => load(pageToken)));
    }
  };
  void load();
}

function tone(eventType = '') {
  if (/Failed|Cancelled/.test(eventType)) return 'bad';
  if (/Paid|Succeeded|Refunded/.test(eventType)) return 'good';
  return 'info';
}
