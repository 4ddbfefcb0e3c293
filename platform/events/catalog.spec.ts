import assert from 'node:assert/strict';
import { UserRegistered } from '../../gen/ts/shop/users/v1/events';
import { eventType, Events } from './catalog';

describe('platform/events/catalog', () => {
  it("publishes each service's events on one topic named after its package", () => {
    assert.equal(Events.UserRegistered.topic, 'shop.users.v1.events');
    assert.equal(Events.ProductChanged.topic, 'shop.catalog.v1.events');
    for (const name of ['OrderCreated', 'OrderPaid', 'OrderCancelled'] as const) assert.equal(Events[name].topic, 'shop.orders.v1.events');
    for (const name of ['PaymentSucceeded', 'PaymentFailed', 'PaymentRefunded'] as const) assert.equal(Events[name].topic, 'shop.payments.v1.events');
  });

  it('names every event by its full protobuf type, ending in its catalog name', () => {
    for (const [name, event] of Object.entries(Events)) {
      assert.match(event.type, /^shop\.[a-z]+\.v1\.[A-Z][A-Za-z]+$/);
      assert.ok(event.type.endsWith(`.${name}`), `${name} -> ${event.type}`);
      assert.ok(event.topic.startsWith(event.type.split('.').slice(0, 3).join('.')));
    }
  });

  it('uses topic names Kafka accepts', () => {
    for (const event of Object.values(Events)) assert.match(event.topic, /^[a-zA-Z0-9._-]{1,249}$/);
  });

  it('finds an event by its type and nothing else', () => {
    assert.equal(eventType('shop.users.v1.UserRegistered'), Events.UserRegistered);
    assert.equal(eventType('shop.users.v1.UserDeleted'), undefined);
    assert.equal(eventType('UserRegistered'), undefined);
  });

  it('carries the generated codec of the payload', () => {
    const payload = { userId: 'u-1', displayName: 'Ada', registeredAt: new Date('2026-11-25T00:00:00.000Z') };
    const bytes = Events.UserRegistered.codec.encode(payload).finish();
    assert.deepEqual(UserRegistered.decode(bytes), payload);
    assert.deepEqual(Events.UserRegistered.codec.decode(bytes), payload);
  });
});
