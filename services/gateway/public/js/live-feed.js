/**
 * The logged-in shopper's live notifications: GET /v1/notifications:watch read
 * with fetch() (EventSource can't send Authorization), framed as Server-Sent
 * Events, which both the gateway and Envoy send. Reconnects with backoff;
 * pages that need certainty (an order's status) poll as well.
 */
import { errorOf } from './api.js';
import { session } from './session.js';

const events = new EventTarget();
let controller;
let state = 'off';
let unread = 0;

export const liveFeed = {
  /** 'off' (logged out), 'connecting', 'live', 'retrying'. */
  get state() {
    return state;
  },
  get unread() {
    return unread;
  },
  markRead() {
    unread = 0;
    events.dispatchEvent(new Event('unread'));
  },
  onNotification(listener) {
    const handler = (event) => listener(event.detail);
    events.addEventListener('notification', handler);
    return () => events.removeEventListener('notification', handler);
  },
  onState(listener) {
    const handler = () => listener(state);
    events.addEventListener('state', handler);
    events.addEventListener('unread', handler);
    return () => {
      events.removeEventListener('state', handler);
      events.removeEventListener('unread', handler);
    };
  },
};

function setState(next) {
  if (next === state) return;
  state = next;
  events.dispatchEvent(new Event('state'));
}

function follow() {
  controller?.abort();
  controller = undefined;
  unread = 0;
  events.dispatchEvent(new Event('unread'));
  if (!session.loggedIn) return setState('off');
  controller = new AbortController();
  void watch(session.token, controller.signal);
}

session.onChange(follow);
follow();

async function watch(token, signal) {
  let delay = 1000;
  while (!signal.aborted) {
    setState(state === 'live' ? 'retrying' : 'connecting');
    try {
      const response = await fetch('/v1/notifications:watch', {
        headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
        signal,
        cache: 'no-store',
      });
      if (!response.ok) {
        const error = await errorOf(response);
        if (error.status === 401) return; // the session just ended; follow() takes it from here
        throw error;
      }
      setState('live');
      delay = 1000;
      await readEvents(response.body, (name, data) => {
        const message = JSON.parse(data);
        if (name === 'error') throw new Error(message.message ?? 'stream error');
        if (!message.notification) return;
        unread += 1;
        events.dispatchEvent(new CustomEvent('notification', { detail: message.notification }));
        events.dispatchEvent(new Event('unread'));
      });
    } catch (error) {
      if (signal.aborted) return;
      if (error?.status === 401) return;
    }
    if (signal.aborted) return;
    setState('retrying');
    await sleep(delay + Math.random() * 250, signal);
    delay = Math.min(delay * 2, 30_000);
  }
}

/** Calls onEvent(name, data) per SSE event; ignores comments (": keep-alive"). */
async function readEvents(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
        let name = 'message';
        const data = [];
        for (const line of frame.split(/\r?\n/)) {
          if (!line || line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'event') name = value;
          else if (field === 'data') data.push(value);
        }
        if (data.length) onEvent(name, data.join('\n'));
      }
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

const sleep = (ms, signal) => new Promise((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => {
    clearTimeout(timer);
    resolve();
  }, { once: true });
});
