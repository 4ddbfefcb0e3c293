/**
 * Who is logged in. The access token lives in sessionStorage: it dies with the
 * tab, and other sites can't read it (it is never a cookie, so no CSRF either).
 */
const KEY = 'shopmesh.session';
const events = new EventTarget();
let expiryTimer;

function read() {
  try {
    const stored = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
    if (stored && Date.parse(stored.expiresAt) > Date.now()) return stored;
  } catch {
    // A damaged entry is the same as no session.
  }
  sessionStorage.removeItem(KEY);
  return undefined;
}

let current = read();

function changed(reason) {
  clearTimeout(expiryTimer);
  if (current) {
    // setTimeout's limit is ~24.8 days; tokens live an hour.
    const left = Math.min(Date.parse(current.expiresAt) - Date.now(), 2 ** 31 - 1);
    expiryTimer = setTimeout(() => session.expire(), Math.max(left, 0));
  }
  events.dispatchEvent(new CustomEvent('change', { detail: { reason } }));
}

export const session = {
  get token() {
    return current?.token;
  },
  get user() {
    return current?.user;
  },
  get loggedIn() {
    return Boolean(current);
  },
  /** Keeps a LoginResponse: { accessToken, expiresAt, user }. */
  start(login) {
    current = { token: login.accessToken, expiresAt: login.expiresAt, user: login.user };
    sessionStorage.setItem(KEY, JSON.stringify(current));
    changed('login');
  },
  end(reason = 'logout') {
    if (!current) return;
    current = undefined;
    sessionStorage.removeItem(KEY);
    changed(reason);
  },
  /** The token was refused or ran out: the next protected page asks to log in again. */
  expire() {
    session.end('expired');
  },
  onChange(listener) {
    const handler = (event) => listener(event.detail.reason);
    events.addEventListener('change', handler);
    return () => events.removeEventListener('change', handler);
  },
};

if (current) changed('restored');
