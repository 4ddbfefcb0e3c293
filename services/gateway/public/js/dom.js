/**
 * A tiny element builder: the page builds DOM nodes, never HTML strings, so
 * text from the API (product names, notification bodies) can't inject markup.
 */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2).toLowerCase(), value);
    else if (key in node && typeof value !== 'string') node[key] = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function replaceChildren(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}

/** Says something to screen-reader users without moving focus. */
export function announce(message) {
  const region = document.getElementById('announcer');
  if (!region) return;
  // Clearing first makes a repeated message ("Added to cart") be read again.
  region.textContent = '';
  setTimeout(() => (region.textContent = message), 50);
}

/** A short message at the bottom of the screen; `tone` is "info" or "error". */
export function toast(message, tone = 'info') {
  const host = document.getElementById('toasts');
  if (!host) return;
  const item = h('div', { class: `toast toast-${tone}`, role: tone === 'error' ? 'alert' : 'status' }, message);
  host.append(item);
  // A burst of messages shows the latest two, not a wall.
  while (host.children.length > 2) host.firstElementChild.remove();
  setTimeout(() => item.classList.add('toast-leaving'), 2600);
  setTimeout(() => item.remove(), 3000);
}

/** The decorative picture of a dish: its own image when it has one, else its category's drawing. */
export function dishImage(product, size = 'card') {
  const fallback = `img/${KNOWN_CATEGORIES.has(product.category) ? product.category : 'dish'}.svg`;
  return h('img', {
    class: `dish-image dish-image-${size}`,
    src: product.imageUrl || fallback,
    alt: '',
    width: size === 'large' ? 480 : 240,
    height: size === 'large' ? 360 : 180,
    loading: 'lazy',
    decoding: 'async',
    dataset: { category: product.category },
    onError: (event) => {
      if (!event.target.src.endsWith(fallback)) event.target.src = fallback;
    },
  });
}

const KNOWN_CATEGORIES = new Set(['burgers', 'pizzas', 'salads', 'sides', 'desserts', 'drinks']);
