/**
 * The REST surface of the edge, same origin: JSON in, proto3 JSON out, and
 * failures as google.rpc.Status bodies turned into one error type.
 */
import { session } from './session.js';

const BAD_REQUEST = 'type.googleapis.com/google.rpc.BadRequest';
const ERROR_INFO = 'type.googleapis.com/google.rpc.ErrorInfo';

export class ApiError extends Error {
  /** status: HTTP status (0 when the shop could not be reached); code: gRPC code; details: google.rpc details. */
  constructor({ status, code = 2, message = '', details = [], retryAfter }) {
    super(message || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfter = retryAfter;
  }

  /** google.rpc.BadRequest field violations, field names in camelCase like the JSON (display_name → displayName). */
  get fieldViolations() {
    const badRequest = this.details.find((d) => d['@type'] === BAD_REQUEST);
    return (badRequest?.fieldViolations ?? []).map((v) => ({ field: camelCase(v.field ?? ''), description: v.description ?? '' }));
  }

  /** The stable ErrorInfo reason, e.g. EMAIL_TAKEN. */
  get reason() {
    return this.details.find((d) => d['@type'] === ERROR_INFO)?.reason;
  }

  /** What to tell a shopper. */
  get humanMessage() {
    switch (this.status) {
      case 0: return 'We can\'t reach the shop right now. Check your connection and try again.';
      case 401: return 'Please log in to continue.';
      case 403: return 'That belongs to another account.';
      case 404: return 'We couldn\'t find that. It may have been removed.';
      case 429: return `You're going a little fast. Please wait ${this.retryAfter ? `${this.retryAfter} s` : 'a moment'} and try again.`;
      case 503: return 'This part of the shop is unavailable right now. Please try again in a moment.';
      case 504: return 'The kitchen is taking too long to answer. Please try again.';
      default:
        if (this.status >= 500) return 'Something went wrong on our side. Please try again.';
        return sentence(this.message);
    }
  }
}

const camelCase = (field) => field.replace(/_([a-z])/g, (_, letter) => letter.toUpperCase());
const sentence = (text) => (text ? text[0].toUpperCase() + text.slice(1) + (/[.!?]$/.test(text) ? '' : '.') : 'That didn\'t work.');

/**
 * Calls the edge. `auth: true` sends the session's bearer token; a 401 on such
 * a call ends the session (expired or revoked token), so pages ask to log in.
 */
export async function api(method, path, { body, auth = false, headers = {}, signal } = {}) {
  const init = { method, headers: { accept: 'application/json', ...headers }, signal };
  if (auth && session.token) init.headers.authorization = `Bearer ${session.token}`;
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    throw new ApiError({ status: 0, code: 14, message: 'network error' });
  }
  if (response.ok) return response.json();
  throw await errorOf(response, auth);
}

/** The ApiError of a failed response: its google.rpc.Status body when it has one. */
export async function errorOf(response, auth = true) {
  const status = await response.json().catch(() => ({}));
  const error = new ApiError({
    status: response.status,
    code: status.code,
    message: status.message,
    details: status.details,
    retryAfter: response.headers.get('retry-after') ?? undefined,
  });
  if (response.status === 401 && auth) session.expire();
  return error;
}

/** A query string from an object, leaving out empty values and repeating arrays (ids=a&ids=b). */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const item of [value].flat()) if (item !== undefined && item !== null && item !== '') search.append(key, String(item));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export const shop = {
  categories: () => api('GET', '/v1/categories'),
  products: ({ category, query: text, pageSize = 12, pageToken } = {}) =>
    api('GET', `/v1/products${query({ category, query: text, pageSize, pageToken })}`),
  product: (id) => api('GET', `/v1/products/${encodeURIComponent(id)}`),
  productsById: (ids) => api('GET', `/v1/products:batchGet${query({ ids })}`),
  similar: (id, limit = 4) => api('GET', `/v1/products/${encodeURIComponent(id)}/similar${query({ limit })}`),
  boughtTogether: (productIds, limit = 4) => api('GET', `/v1/recommendations:boughtTogether${query({ productIds, limit })}`),
  register: (form) => api('POST', '/v1/users', { body: form }),
  login: (form) => api('POST', '/v1/users:login', { body: form }),
  placeOrder: (order) => api('POST', '/v1/orders', { body: order, auth: true }),
  order: (id) => api('GET', `/v1/orders/${encodeURIComponent(id)}`, { auth: true }),
  orders: ({ pageSize = 10, pageToken } = {}) => api('GET', `/v1/orders${query({ pageSize, pageToken })}`, { auth: true }),
  cancelOrder: (id, reason) => api('POST', `/v1/orders/${encodeURIComponent(id)}:cancel`, { body: { reason }, auth: true }),
  notifications: ({ pageSize = 20, pageToken } = {}) => api('GET', `/v1/notifications${query({ pageSize, pageToken })}`, { auth: true }),
};
