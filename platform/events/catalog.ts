import type { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import { ProductChanged } from '../../gen/ts/shop/catalog/v1/events';
import { OrderCancelled, OrderCreated, OrderPaid } from '../../gen/ts/shop/orders/v1/events';
import { PaymentFailed, PaymentRefunded, PaymentSucceeded } from '../../gen/ts/shop/payments/v1/events';
import { UserRegistered } from '../../gen/ts/shop/users/v1/events';

interface MessageCodec<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  decode(input: BinaryReader | Uint8Array, length?: number): T;
}

export interface EventType<T = unknown> {
  /** Full protobuf name; travels as the `ce_type` header. */
  type: string;
  /** Each service publishes its events on one topic, keyed by aggregate id. */
  topic: string;
  codec: MessageCodec<T>;
}

const event = <T>(type: string, codec: MessageCodec<T>): EventType<T> => ({
  type,
  topic: `${type.split('.').slice(0, 3).join('.')}.events`,
  codec,
});

/** Every business event on the bus; the payload messages live in proto/shop/<service>/v1/events.proto. */
export const Events = {
  UserRegistered: event('shop.users.v1.UserRegistered', UserRegistered),
  ProductChanged: event('shop.catalog.v1.ProductChanged', ProductChanged),
  OrderCreated: event('shop.orders.v1.OrderCreated', OrderCreated),
  OrderPaid: event('shop.orders.v1.OrderPaid', OrderPaid),
  OrderCancelled: event('shop.orders.v1.OrderCancelled', OrderCancelled),
  PaymentSucceeded: event('shop.payments.v1.PaymentSucceeded', PaymentSucceeded),
  PaymentFailed: event('shop.payments.v1.PaymentFailed', PaymentFailed),
  PaymentRefunded: event('shop.payments.v1.PaymentRefunded', PaymentRefunded),
} as const;

export type EventName = keyof typeof Events;
export type EventPayload<N extends EventName> = (typeof Events)[N] extends EventType<infer T> ? T : never;

const byType = new Map<string, EventType>(Object.values(Events).map((e) => [e.type, e as EventType]));

export function eventType(type: string): EventType | undefined {
  return byType.get(type);
}
