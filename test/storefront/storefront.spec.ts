/**
 * The storefront bought through in a real browser: playwright-core driving
 * Debian's Chromium against the gateway of the end-to-end platform (or
 * EDGE_URL, e.g. Envoy in compose). Screenshots are kept in
 * artifacts/storefront/ for a human to look at.
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { usePlatform } from '../support/platform';
import { watchPage, type PageWatch } from './page-watch';

// Functions given to page.evaluate run in the page; the project compiles without the DOM library, so they see it as this.
declare const window: any, document: any, sessionStorage: any, MutationObserver: any;

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', '..', 'artifacts', 'storefront');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const PASSWORD = 'correct horse battery';
/** The whole flow, browser start to last check: the page must feel instant, not merely work. */
const FLOW_BUDGET_MS = 60_000;
/** What travels through Kafka (payment, notifications) gets longer: consumer groups on a shared broker rebalance now and then. */
const EVENTUAL_MS = 20_000;

describe('storefront: a shopper buys through the page in a real browser', function () {
  this.timeout(45_000);
  let browser: Browser | undefined;
  let page: Page;
  let watch: PageWatch;
  let edge: string;
  let started = 0;
  let broken = false;
  const email = `shopper-${randomUUID().slice(0, 8)}@example.com`;
  const orders: Record<'paid' | 'declined' | 'cancelled', string> = { paid: '', declined: '', cancelled: '' };

  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name }).waitFor();
  const cardTitles = () => page.locator('.product-card .card-title').allTextContents();
  const orderIdInUrl = async () => {
    await page.waitForURL(/#\/orders\/[0-9a-f-]{36}$/);
    return page.url().split('/').pop()!;
  };
  /** Records every status the order screen shows, so a test can tell "PENDING, then PAID" from a page that only ever showed PAID. */
  const recordStatuses = () =>
    page.evaluate(() => {
      // No named functions in here: tsx would wrap them in a helper the page doesn't have.
      window.seenStatuses = [];
      new MutationObserver(() => {
        const status = document.querySelector('.order-status')?.dataset.status;
        if (status && window.seenStatuses.at(-1) !== status) window.seenStatuses.push(status);
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
    });
  const seenStatuses = () => page.evaluate(() => window.seenStatuses as string[]);
  const checkout = async (paymentToken: string) => {
    await page.getByRole('link', { name: /^Cart/ }).click();
    await heading('Your cart');
    await page.getByLabel('Pay with (test cards only)').selectOption(paymentToken);
    await recordStatuses();
    await page.getByRole('button', { name: 'Place order' }).click();
    return orderIdInUrl();
  };
  const addFromSearch = async (text: string, dish: string) => {
    await page.getByRole('searchbox', { name: 'Search the menu' }).fill(text);
    await page.keyboard.press('Enter');
    await heading(`Results for “${text}”`);
    await page.getByRole('button', { name: `Add ${dish} to cart` }).click();
  };

  before(async function () {
    this.timeout(180_000); // the platform boots once per run (npm start), shared with the other end-to-end suites
    if (!existsSync(CHROMIUM)) throw new Error(`install Debian's chromium (apt-get install chromium): ${CHROMIUM} is missing`);
    edge = (process.env.EDGE_URL ?? (await usePlatform()).edge).replace(/\/$/, '');
    mkdirSync(ARTIFACTS, { recursive: true });
    rmSync(join(ARTIFACTS, 'failure.png'), { force: true });
    started = Date.now();
    // launch() gives every run a fresh temporary profile (user-data dir) and removes it on close.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 20_000 });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'Europe/Madrid' });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    watch = watchPage(page, edge);
  });

  beforeEach(function () {
    if (broken) this.skip();
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    broken = true;
    await page?.screenshot({ path: join(ARTIFACTS, 'failure.png'), fullPage: true }).catch(() => undefined);
  });

  after(async () => {
    await browser?.close();
  });

  it('opens on the menu and pages through it with "Show more"', async () => {
    await page.goto(`${edge}/`);
    await heading('Our menu');
    await page.locator('.product-card').nth(11).waitFor();
    assert.equal(await page.locator('.product-card').count(), 12);
    await page.getByRole('button', { name: 'Show more' }).click();
    await page.locator('.product-card').nth(23).waitFor();
    // Other suites sharing the platform may add dishes: at least the 36 seeded ones.
    const [, shown, total] = /Showing (\d+) of (\d+) dishes/.exec(await page.locator('.results-summary').innerText()) ?? [];
    assert.equal(Number(shown), 24);
    assert.ok(Number(total) >= 36, `total ${total}`);
  });

  it('browses a category', async () => {
    await page
      .getByRole('navigation', { name: 'Categories' })
      .getByRole('link', { name: /^Pizzas/ })
      .click();
    await heading('Pizzas');
    await page.locator('.product-card').nth(5).waitFor();
    const titles = await cardTitles();
    for (const pizza of ['Diavola', 'Funghi e Tartufo', 'Hawaiian', 'Margherita', 'Pepperoni', 'Quattro Formaggi'])
      assert.ok(titles.includes(pizza), `${pizza} in ${titles.join(', ')}`);
    assert.deepEqual(new Set(await page.locator('.product-card img').evaluateAll((imgs) => imgs.map((img: any) => img.dataset.category))), new Set(['pizzas']));
    assert.match(await page.locator('.product-card').first().innerText(), /€\d+\.\d\d/);
    await shot('menu-pizzas');
  });

  it('searches the menu', async () => {
    await page.getByRole('searchbox', { name: 'Search the menu' }).fill('vegan');
    await page.keyboard.press('Enter');
    await heading('Results for “vegan”');
    await page.locator('.product-card').first().waitFor();
    const titles = await cardTitles();
    assert.ok(titles.includes('Vegan Beyond Burger') && titles.includes('Quinoa Power Bowl'), titles.join(', '));
    assert.ok(!titles.includes('Pepperoni'));
  });

  it('opens a dish: its details, similar dishes, and adds two to the cart', async () => {
    await page.getByRole('link', { name: 'Vegan Beyond Burger' }).click();
    await heading('Vegan Beyond Burger');
    assert.equal(await page.locator('.price-large').innerText(), '€12.50');
    assert.match(await page.locator('.product-description').innerText(), /Plant-based patty/);
    const recommendations = page.getByRole('region', { name: 'You might also like' });
    await recommendations.locator('.product-card').first().waitFor();
    assert.ok(!(await recommendations.locator('.card-title').allTextContents()).includes('Vegan Beyond Burger'));
    await page.getByLabel('Quantity').fill('2');
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByText('2 in your cart').waitFor();
    assert.equal(await page.locator('#cart-count').innerText(), '2');
    await shot('product');
  });

  it('shows nothing in place of recommendations when that service answers 503', async () => {
    const unavailable = JSON.stringify({ code: 14, message: 'service unavailable', details: [] });
    await page.route('**/v1/products/*/similar*', (route) => route.fulfill({ status: 503, contentType: 'application/json', body: unavailable }));
    watch.expect('GET', /^\/v1\/products\/[^/]+\/similar$/, 503);
    try {
      await addFromSearch('lemonade', 'Fresh Lemonade');
      await page.getByRole('link', { name: 'Fresh Lemonade' }).click();
      await heading('Fresh Lemonade');
      await page.locator('.recommendations[aria-busy="false"]').waitFor({ state: 'attached' });
      assert.equal(await page.locator('.recommendations').isVisible(), false);
      assert.equal(await page.locator('.panel-error').count(), 0);
    } finally {
      await page.unroute('**/v1/products/*/similar*');
    }
  });

  it('keeps a cart with quantities', async () => {
    await page.getByRole('link', { name: /^Cart/ }).click();
    await heading('Your cart');
    assert.equal(await page.locator('.cart-line').count(), 2);
    await page.getByRole('button', { name: 'One more Fresh Lemonade' }).click();
    await page.locator('#cart-count', { hasText: /^4$/ }).waitFor();
    // 2 × 12.50 + 2 × 3.80
    assert.equal(await page.locator('#cart-subtotal').innerText(), '€32.60');
    await page.getByRole('button', { name: 'One less Fresh Lemonade' }).click();
    await page.getByText('€28.80').waitFor();
    assert.equal(await page.locator('#cart-count').innerText(), '3');
  });

  it("registers, showing the edge's field error for a bad email first", async () => {
    await page.getByRole('link', { name: 'Log in to order' }).click();
    await heading('Log in');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await heading('Create an account');
    await page.getByLabel('Your name').fill('Ada Lovelace');
    await page.getByLabel('Email').fill('ada@');
    await page.getByLabel('Password').fill(PASSWORD);
    watch.expect('POST', '/v1/users', 400);
    await page.getByRole('button', { name: 'Create account' }).click();
    const emailError = page.locator('#field-email-error');
    await emailError.waitFor();
    assert.match(await emailError.innerText(), /valid email/i);
    assert.equal(await page.getByLabel('Email').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'field-email', 'focus moves to the field to fix');
    await shot('register-field-error');

    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Create account' }).click();
    await heading('Your cart'); // back where the shopper was, logged in
    await page.getByText('Hi, Ada').waitFor();
  });

  it('logs out and logs in again (a wrong password is told, not thrown)', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await heading('Our menu');
    await page.getByRole('link', { name: 'Log in', exact: true }).click();
    await heading('Log in');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('not my password');
    watch.expect('POST', '/v1/users:login', 401);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: "don't match" }).waitFor();
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('Hi, Ada').waitFor();
    assert.match(await page.evaluate(() => JSON.parse(sessionStorage.getItem('shopmesh.session') ?? '{}').token ?? ''), /^ey/);
  });

  it('checks out with tok_visa and watches the order turn PAID live', async () => {
    await page.getByRole('link', { name: /^Cart/ }).click();
    await heading('Your cart');
    await page.getByLabel('Pay with (test cards only)').selectOption('tok_visa');
    await page.getByRole('region', { name: 'Goes well with your order' }).locator('.product-card').first().waitFor();
    await shot('cart');
    const unreadBefore = Number((await page.locator('#unread-count').textContent()) || '0');
    orders.paid = await checkout('tok_visa');
    await page.locator('.live-indicator[data-state="live"]').waitFor();
    await page.locator('.order-status[data-status="PAID"]').waitFor({ timeout: EVENTUAL_MS });
    assert.deepEqual(await seenStatuses(), ['PENDING', 'PAID']);
    assert.match(await page.locator('.order-status').innerText(), /Paid/);
    assert.match(await page.locator('.order-items').innerText(), /Vegan Beyond Burger × 2[\s\S]*€25\.00[\s\S]*Fresh Lemonade × 1[\s\S]*€3\.80[\s\S]*€28\.80/);
    assert.equal(await page.locator('#cart-count').innerText(), '0', 'the cart is emptied once the order is placed');
    // "Order received" and "Payment received" came down the stream while the shopper watched the order.
    await page.waitForFunction((before) => Number(document.querySelector('#unread-count')?.textContent) >= before + 2, unreadBefore, { timeout: EVENTUAL_MS });
    await shot('order-paid');
  });

  it('shows the payment in the notifications feed, and a new notification arrives live', async () => {
    await page.getByRole('link', { name: /^Notifications/ }).click();
    await heading('Notifications');
    await page.locator(`.feed-item[data-order-id="${orders.paid}"]`).filter({ hasText: 'Payment received' }).waitFor({ timeout: EVENTUAL_MS });
    await page.locator('.feed-item').filter({ hasText: 'Welcome' }).waitFor();
    assert.equal(await page.locator('#unread-count').isVisible(), false, 'opening the feed marks it read');

    // The shopper cancels from another device: the open feed gets it from the stream, no reload.
    const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('shopmesh.session')!).token as string);
    const cancelled = await fetch(`${edge}/v1/orders/${orders.paid}:cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'changed my mind' }),
    });
    assert.equal(cancelled.status, 200, await cancelled.text());
    await page.locator(`.feed-item-new[data-order-id="${orders.paid}"]`).filter({ hasText: 'Order cancelled' }).waitFor({ timeout: EVENTUAL_MS });
    await shot('notifications');
  });

  it('a declined card ends in PAYMENT_FAILED, said plainly, with no cancel button', async () => {
    await addFromSearch('margherita', 'Margherita');
    orders.declined = await checkout('tok_declined');
    await page.locator('.order-status[data-status="PAYMENT_FAILED"]').waitFor({ timeout: EVENTUAL_MS });
    assert.deepEqual(await seenStatuses(), ['PENDING', 'PAYMENT_FAILED']);
    assert.match(await page.locator('.order-status').innerText(), /Payment failed[\s\S]*declined/i);
    assert.equal(await page.getByRole('button', { name: 'Cancel order' }).count(), 0);
    await shot('order-payment-failed');
  });

  it('cancels an order from its page (a flaky card that paid after retries)', async () => {
    await addFromSearch('tiramisu', 'Tiramisu');
    orders.cancelled = await checkout('tok_transient');
    await page.locator('.order-status[data-status="PAID"]').waitFor({ timeout: EVENTUAL_MS });
    await page.getByRole('button', { name: 'Cancel order' }).click();
    await page.getByRole('button', { name: 'Yes, cancel it' }).click();
    await page.locator('.order-status[data-status="CANCELLED"]').waitFor();
    assert.match(await page.locator('.order-status').innerText(), /cancelled/i);
  });

  it('lists my orders with their statuses', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My orders' }).click();
    await heading('My orders');
    const status = (id: string) => page.locator(`.order-row[data-order-id="${id}"] .badge`).innerText();
    await page.locator(`.order-row[data-order-id="${orders.cancelled}"]`).waitFor();
    assert.equal(await page.locator('.order-row').count(), 3);
    assert.equal(await status(orders.paid), 'Cancelled');
    assert.equal(await status(orders.declined), 'Payment failed');
    assert.equal(await status(orders.cancelled), 'Cancelled');
    await shot('orders');
  });

  it('did it all through the public REST surface, with no console error or failed request, within the time budget', () => {
    assert.deepEqual(watch.problems(), []);
    const calls = new Set(watch.restCalls().map((call) => call.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '{id}')));
    for (const route of [
      'GET /v1/categories',
      'GET /v1/products',
      'GET /v1/products/{id}',
      'GET /v1/products/{id}/similar',
      'GET /v1/products:batchGet',
      'GET /v1/recommendations:boughtTogether',
      'POST /v1/users',
      'POST /v1/users:login',
      'POST /v1/orders',
      'GET /v1/orders/{id}',
      'GET /v1/orders',
      'POST /v1/orders/{id}:cancel',
      'GET /v1/notifications',
      'GET /v1/notifications:watch',
    ]) {
      assert.ok(calls.has(route), `the page never called ${route}; it called ${[...calls].join(', ')}`);
    }
    assert.ok(Date.now() - started < FLOW_BUDGET_MS, `the flow took ${Date.now() - started} ms`);
  });
});
