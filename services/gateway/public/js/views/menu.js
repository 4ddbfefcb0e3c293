/** The menu: every dish, one category, or search results, a page at a time. */
import { shop } from '../api.js';
import { announce, h } from '../dom.js';
import { href } from '../router.js';
import { errorPanel, loading, productCard, screen } from './common.js';

const PAGE_SIZE = 12;
let categoriesOnce;

/** Categories change rarely: asked once per visit, asked again after a failure. */
function categories() {
  categoriesOnce ??= shop.categories().then((r) => r.categories ?? [], (error) => {
    categoriesOnce = undefined;
    throw error;
  });
  return categoriesOnce;
}

export function menuView(main, { params, match, isCurrent }) {
  const category = match.groups?.category ? decodeURIComponent(match.groups.category) : '';
  const text = (params.get('q') ?? '').trim();
  const title = text ? `Results for “${text}”` : 'Our menu';
  screen(main, title, text ? null : h('p', { class: 'lede' }, 'Smash burgers, wood-fired pizzas and fresh salads, cooked to order.'));
  document.querySelector('#search-input').value = text;

  const tabs = h('nav', { class: 'category-nav', 'aria-label': 'Categories' });
  const summary = h('p', { class: 'results-summary', role: 'status' });
  const grid = h('div', { class: 'grid', id: 'product-grid' });
  const more = h('div', { class: 'more' });
  const body = h('div', { 'aria-busy': 'true' }, summary, grid, more);
  main.append(text ? null : tabs, body);

  if (!text) {
    categories().then((list) => {
      if (!isCurrent()) return;
      const chip = (slug, name, count) => h('a', {
        class: 'chip',
        href: slug ? href(`/category/${slug}`) : href('/'),
        'aria-current': slug === category ? 'page' : undefined,
      }, name, count !== undefined ? h('span', { class: 'chip-count' }, String(count)) : null);
      tabs.replaceChildren(chip('', 'Everything'), ...list.map((c) => chip(c.slug, c.name, c.productCount)));
      const current = list.find((c) => c.slug === category);
      if (current) {
        main.querySelector('.screen-title').textContent = current.name;
        document.title = `${current.name} · Shopmesh Kitchen`;
      }
    }, () => tabs.remove());
  }

  let shown = 0;
  const load = async (pageToken) => {
    more.replaceChildren(loading(pageToken ? 'Loading more…' : 'Loading the menu…'));
    try {
      const page = await shop.products({ category, query: text, pageSize: PAGE_SIZE, pageToken });
      if (!isCurrent()) return;
      const products = page.products ?? [];
      grid.append(...products.map(productCard));
      shown += products.length;
      const total = page.totalSize || shown;
      summary.textContent = shown
        ? `Showing ${shown} of ${total} ${total === 1 ? 'dish' : 'dishes'}`
        : text ? `No dishes match “${text}”. Try another word, like “vegan” or “spicy”.` : 'Nothing on this menu yet.';
      more.replaceChildren(page.nextPageToken
        ? h('button', { type: 'button', class: 'button button-secondary', onClick: () => load(page.nextPageToken) }, 'Show more')
        : '');
      if (pageToken) {
        announce(`${products.length} more dishes shown.`);
        grid.querySelectorAll('.product-card')[shown - products.length]?.querySelector('.card-title a')?.focus();
      }
    } catch (error) {
      if (!isCurrent()) return;
      more.replaceChildren(errorPanel(error, () => load(pageToken)));
    } finally {
      body.setAttribute('aria-busy', 'false');
    }
  };
  void load();
}
