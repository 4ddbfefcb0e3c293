/**
 * What a storefront page did that it shouldn't have: console errors, uncaught
 * exceptions, failed requests, HTTP errors nobody expected, and requests that
 * are neither the page's own files nor the public REST surface.
 */
import type { Page, Request } from 'playwright-core';

interface Expectation {
  method: string;
  path: string | RegExp;
  status: number;
  seen: number;
}

/** The storefront's own files: everything else it asks for must be REST under /v1/. */
const STATIC_PATH = /^\/(index\.html)?$|^\/(css|js|img)\/[\w./-]+\.(css|js|svg)$/;
/** Chrome's console line for a response with an error status. */
const LOAD_FAILURE = /^Failed to load resource: the server responded with a status of (\d+)/;

export interface PageWatch {
  /** HTTP errors the flow provokes on purpose (a bad email, a wrong password, a stubbed 503). */
  expect(method: string, path: string | RegExp, status: number): void;
  /** Fails unless every expectation was met and nothing unexpected happened. */
  problems(): string[];
  /** Every /v1 request the page made, as "GET /v1/products". */
  restCalls(): string[];
}

export function watchPage(page: Page, origin: string): PageWatch {
  const problems: string[] = [];
  const expectations: Expectation[] = [];
  const rest: string[] = [];
  const pathOf = (url: string) => new URL(url).pathname;
  const matches = (e: Expectation, method: string, path: string, status: number) =>
    e.method === method && e.status === status && (typeof e.path === 'string' ? e.path === path : e.path.test(path));
  const expected = (method: string, url: string, status: number) => expectations.find((e) => matches(e, method, pathOf(url), status));

  page.on('request', (request: Request) => {
    const url = new URL(request.url());
    if (url.origin !== origin) return void problems.push(`request outside the shop: ${request.method()} ${request.url()}`);
    if (url.pathname.startsWith('/v1/')) rest.push(`${request.method()} ${url.pathname}`);
    else if (!STATIC_PATH.test(url.pathname)) problems.push(`request that is neither a storefront file nor REST: ${request.method()} ${url.pathname}`);
  });
  page.on('response', (response) => {
    if (response.status() < 400) return;
    const request = response.request();
    const expectation = expected(request.method(), response.url(), response.status());
    if (expectation) expectation.seen += 1;
    else problems.push(`unexpected HTTP ${response.status()}: ${request.method()} ${pathOf(response.url())}`);
  });
  page.on('requestfailed', (request) => {
    const error = request.failure()?.errorText ?? 'failed';
    // The page aborts its notification stream itself when the shopper logs out.
    if (error === 'net::ERR_ABORTED' && pathOf(request.url()) === '/v1/notifications:watch') return;
    problems.push(`request failed (${error}): ${request.method()} ${request.url()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught in the page: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const status = LOAD_FAILURE.exec(message.text())?.[1];
    // Chrome logs every error response; those the flow expects are already accounted for above.
    if (
      status &&
      expectations.some(
        (e) =>
          e.status === Number(status) && (typeof e.path === 'string' ? e.path === pathOf(message.location().url) : e.path.test(pathOf(message.location().url))),
      )
    )
      return;
    problems.push(`console error: ${message.text()} (${message.location().url})`);
  });

  return {
    expect(method, path, status) {
      expectations.push({ method, path, status, seen: 0 });
    },
    problems() {
      const unmet = expectations.filter((e) => e.seen === 0).map((e) => `expected HTTP ${e.status} from ${e.method} ${e.path} never happened`);
      return [...problems, ...unmet];
    },
    restCalls: () => [...rest],
  };
}
