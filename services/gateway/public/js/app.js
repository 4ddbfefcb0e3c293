/** Boots the storefront: the header (search, cart, account), the routes, the live feed. */
import { cart } from './cart.js';
import { h, replaceChildren, toast } from './dom.js';
import { liveFeed } from './live-feed.js';
import { currentRoute, href, navigate, startRouter } from './router.js';
import { session } from './session.js';
import { loginView, registerView } from './views/account.js';
import { cartView } from './views/cart.js';
import { screen } from './views/common.js';
import { menuView } from './views/menu.js';
import { notificationsView } from './views/notifications.js';
import { orderView } from './views/order.js';
import { ordersView } from './views/orders.js';
import { productView } from './views/product.js';

const ROUTES = [
  [/^\/$/, menuView],
  [/^\/category\/(?<category>[^/]+)$/, menuView],
  [/^\/search$/, menuView],
  [/^\/product\/(?<id>[^/]+)$/, productView],
  [/^\/cart$/, cartView],
  [/^\/login$/, loginView],
  [/^\/register$/, registerView],
  [/^\/orders$/, ordersView],
  [/^\/orders\/(?<id>[^/]+)$/, orderView],
  [/^\/notifications$/, notificationsView],
  [/.*/, notFoundView],
];

const main = document.getElementById('main');

function notFoundView(target) {
  screen(target, 'Page not found');
  target.append(h('div', { class: 'panel panel-centered' },
    h('p', {}, 'That page isn\'t on our menu.'),
    h('a', { class: 'button', href: href('/') }, 'Back to the menu')));
}

function showCart() {
  const count = cart.count();
  document.getElementById('cart-count').textContent = String(count);
  document.getElementById('cart-link').setAttribute('aria-label', `Cart, ${count} ${count === 1 ? 'item' : 'items'}`);
}

function showUnread() {
  const badge = document.getElementById('unread-count');
  const unread = liveFeed.unread;
  badge.hidden = unread === 0;
  badge.textContent = String(unread);
  document.getElementById('notifications-link').setAttribute('aria-label', unread ? `Notifications, ${unread} new` : 'Notifications');
}

function showAccount() {
  const account = document.getElementById('account');
  if (!session.loggedIn) {
    const next = currentRoute().path;
    replaceChildren(account, h('a', { class: 'button button-small', href: href('/login', next === '/login' || next === '/register' ? undefined : { next }) }, 'Log in'));
    return;
  }
  replaceChildren(account,
    h('span', { class: 'account-name', title: session.user.displayName }, `Hi, ${session.user.displayName.split(/\s+/)[0]}`),
    h('button', { type: 'button', class: 'link-button', onClick: () => {
      session.end();
      toast('You\'re logged out. See you soon!');
      navigate('/');
    } }, 'Log out'));
}

function markCurrentNav(path) {
  for (const link of document.querySelectorAll('.main-nav a[data-nav]')) {
    const section = link.dataset.nav;
    const current = section === '/' ? /^\/(category\/.*|search)?$/.test(path) : path === section || path.startsWith(`${section}/`);
    if (current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

document.getElementById('search-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = new FormData(event.target).get('q').toString().trim();
  navigate(text ? '/search' : '/', text ? { q: text } : undefined);
});

document.getElementById('skip-link').addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});

cart.onChange(showCart);
liveFeed.onState(showUnread);
session.onChange((reason) => {
  showAccount();
  if (reason === 'expired') toast('Your session has ended. Please log in again.', 'error');
});
showCart();
showUnread();
showAccount();

let first = true;
startRouter(ROUTES, main, (path) => {
  markCurrentNav(path);
  showAccount();
  if (path !== '/search') document.getElementById('search-input').value = '';
  window.scrollTo(0, 0);
  // After a navigation, focus the new screen's heading so keyboard and screen-reader users land on it.
  if (!first) main.querySelector('h1')?.focus({ preventScroll: true });
  first = false;
});
