import assert from 'node:assert/strict';
import type { IHeaders } from 'kafkajs';
import { fromHeaders, newEnvelope, toHeaders, type Envelope } from './envelope';

/** Kafka hands headers back to consumers as Buffers. */
const asReceived = (headers: IHeaders): IHeaders => Object.fromEntries(Object.entries(headers).map(([key, value]) => [key, Buffer.from(String(value))]));

describe('platform/events/envelope', () => {
  const envelope: Envelope = {
    id: '2f1c7a52-3f5e-4a57-9d3b-1c1f2b9b7e10',
    type: 'shop.orders.v1.OrderCreated',
    source: 'orders',
    time: new Date('2026-11-25T10:11:12.345Z'),
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  };

  it('writes the CloudEvents binary-mode headers', () => {
    assert.deepEqual(toHeaders(envelope), {
      ce_specversion: '1.0',
      ce_id: envelope.id,
      ce_type: envelope.type,
      ce_source: 'orders',
      ce_time: '2026-11-25T10:11:12.345Z',
      'content-type': 'application/protobuf',
      traceparent: envelope.traceparent,
    });
  });

  it('reads back what it wrote, from strings or Buffers', () => {
    assert.deepEqual(fromHeaders(toHeaders(envelope)), envelope);
    assert.deepEqual(fromHeaders(asReceived(toHeaders(envelope))), envelope);
  });

  it('leaves traceparent out when tracing is off', () => {
    const untraced = { ...envelope, traceparent: undefined };
    assert.equal('traceparent' in toHeaders(untraced), false);
    assert.deepEqual(fromHeaders(toHeaders(untraced)), untraced);
  });

  for (const header of ['ce_id', 'ce_type', 'ce_source', 'ce_time']) {
    it(`gives undefined when ${header} is missing`, () => {
      const headers = toHeaders(envelope);
      delete headers[header];
      assert.equal(fromHeaders(headers), undefined);
    });
  }

  it('gives undefined for a message without headers', () => {
    assert.equal(fromHeaders(undefined), undefined);
    assert.equal(fromHeaders({}), undefined);
  });

  it('creates envelopes with a fresh id and the current time', () => {
    const before = Date.now();
    const first = newEnvelope('shop.users.v1.UserRegistered', 'users');
    const second = newEnvelope('shop.users.v1.UserRegistered', 'users');
    assert.match(first.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(first.id, second.id);
    assert.equal(first.type, 'shop.users.v1.UserRegistered');
    assert.equal(first.source, 'users');
    assert.ok(first.time.getTime() >= before && first.time.getTime() <= Date.now());
    // No tracer is registered in unit tests, so there is no context to carry.
    assert.equal(first.traceparent, undefined);
  });
});
