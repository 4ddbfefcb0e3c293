/** One dish: its details, a quantity to add, and similar dishes. */
import { shop } from '../api.js';
import { cart, MAX_QUANTITY } from '../cart.js';
import { dishImage, h, replaceChildren } from '../dom.js';
import { formatMoney } from '../money.js';
import { href } from '../router.js';
import { addToCart, errorPanel, loading, recommendationsSection, screen, stockNote } from './common.js';

export function productView(main, { match, isCurrent, onLeave }) {
  const id = decodeURIComponent(match.groups.id);
  screen(main, 'Dish');
  main.append(loading('Loading the dish…'));

  const show = async () => {
    try {
      const { product } = await shop.product(id);
      if (isCurrent()) onLeave(render(main, product));
    } catch (error) {
      if (!isCurrent()) return;
      screen(main, error.status === 404 || error.status === 400 ? 'Dish not found' : 'Dish');
      main.append(errorPanel(error, show), h('p', {}, h('a', { href: href('/') }, 'Back to the menu')));
    }
  };
  void show();
}

function render(main, product) {
  screen(main, product.name);
  const heading = main.querySelector('.screen-head');
  heading.prepend(h('nav', { class: 'breadcrumbs', 'aria-label': 'Breadcrumb' },
    h('a', { href: href('/') }, 'Menu'), ' / ',
    h('a', { href: href(`/category/${product.category}`) }, capitalize(product.category))));

  const maxQuantity = Math.max(1, Math.min(product.stock, MAX_QUANTITY));
  const quantity = h('input', { id: 'quantity', name: 'quantity', type: 'number', min: '1', max: String(maxQuantity), value: '1', inputmode: 'numeric', class: 'input input-quantity' });
  const inCart = h('p', { class: 'in-cart', role: 'status' });
  const showInCart = () => {
    const count = cart.quantityOf(product.id);
    replaceChildren(inCart, count ? [`${count} in your cart · `, h('a', { href: href('/cart') }, 'View cart')] : '');
  };
  const form = h('form', {
    class: 'add-form',
    onSubmit: (event) => {
      event.preventDefault();
      const wanted = Math.max(1, Math.min(Math.floor(Number(quantity.value)) || 1, maxQuantity));
      quantity.value = String(wanted);
      addToCart(product, wanted);
    },
  },
  h('label', { for: 'quantity' }, 'Quantity'),
  quantity,
  h('button', { type: 'submit', class: 'button', disabled: product.stock <= 0 }, 'Add to cart'));

  main.append(
    h('div', { class: 'product-detail' },
      h('div', { class: 'product-media' }, dishImage(product, 'large')),
      h('div', { class: 'product-info' },
        h('p', { class: 'price price-large' }, formatMoney(product.price)),
        h('p', { class: 'product-description' }, product.description),
        h('ul', { class: 'tags', 'aria-label': 'Tags' }, product.tags.map((tag) => h('li', { class: 'tag' }, tag))),
        stockNote(product),
        form,
        inCart)),
    recommendationsSection('You might also like', () => shop.similar(product.id, 4), (p) => p.id === product.id));
  showInCart();
  return cart.onChange(showInCart);
}

const capitalize = (text) => text.charAt(0).toUpperCase() + text.slice(1);
