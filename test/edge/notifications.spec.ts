import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { assertStatus, deployed, newCustomer, useEdge, type Edge } from './edge-client';

/** Reads SSE `data:` frames from a streaming response until `wanted` accepts one. */
async function nextEvent(response: Response, wanted: (message: any) => boolean, timeoutMs: number): Promise<any> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const timer = setTimeout(() => void reader.cancel(), timeoutMs);
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended without the event; got: ${buffer.slice(0, 500)}`);
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = frame
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice(6))
          .join('\n');
        if (data && wanted(JSON.parse(data))) return JSON.parse(data);
      }
    }
  } finally {
    clearTimeout(timer);
    void reader.cancel();
  }
}

describe('edge REST: notifications, with the live stream as Server-Sent Events', function () {
  this.timeout(180_000);
  let edge: Edge;
  let shopper: Awaited<ReturnType<typeof newCustomer>>;

  before(async function () {
    if (!deployed('notifications')) this.skip(); // its routes are checked to answer 503 in unavailable.spec.ts
    edge = await useEdge();
    shopper = await newCustomer(edge, 'Stream Watcher');
  });

  it("GET /v1/notifications lists the caller's notifications (the welcome one first)", async () => {
    // Consumers rebalance now and then (another platform on the same broker, a late join): be patient.
    const deadline = Date.now() + 60_000;
    let titles: string[] = [];
    while (Date.now() < deadline && !titles.length) {
      const response = await edge.request('GET', '/v1/notifications?pageSize=10', { token: shopper.token });
      assert.equal(response.status, 200, response.text);
      titles = response.json.notifications.map((n: any) => n.title);
      if (!titles.length) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.ok(titles.length > 0, 'a notification for the new account');
    assertStatus(await edge.request('GET', '/v1/notifications'), 401, 16);
  });

  it('GET /v1/notifications:watch streams a notification as it is stored, one JSON message per data: line', async () => {
    const stream = await fetch(`${edge.url}/v1/notifications:watch`, { headers: { authorization: `Bearer ${shopper.token}`, accept: 'text/event-stream' } });
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type') ?? '', /text\/event-stream|application\/json/);
    const productId = (await edge.request('GET', '/v1/products?pageSize=1')).json.products[0].id;
    const order = await edge.request('POST', '/v1/orders', {
      token: shopper.token,
      body: { items: [{ productId, quantity: 1 }], idempotencyKey: randomUUID(), paymentToken: 'tok_visa' },
    });
    assert.equal(order.status, 200, order.text);
    const event = await nextEvent(stream, (m) => m.notification?.body?.includes(order.json.order.id), 60_000);
    assert.equal(event.notification.userId, shopper.user.id);
  });

  it('answers a watch without a token with 401 and a google.rpc.Status, not a stream', async () => {
    assertStatus(await edge.request('GET', '/v1/notifications:watch'), 401, 16);
  });
});
