import { OrderStatus as ProtoStatus, type Order, type OrderItem } from '../../../../gen/ts/shop/orders/v1/orders';
import type { OrderStatus } from '../domain/order-status';
import type { StoredOrder } from '../store/orders-store';

const STATUS: Record<OrderStatus, ProtoStatus> = {
  PENDING: ProtoStatus.ORDER_STATUS_PENDING,
  PAID: ProtoStatus.ORDER_STATUS_PAID,
  PAYMENT_FAILED: ProtoStatus.ORDER_STATUS_PAYMENT_FAILED,
  CANCELLED: ProtoStatus.ORDER_STATUS_CANCELLED,
};

export function toOrder({ order, items }: StoredOrder): Order {
  const money = (amountMinor: string) => ({ currencyCode: order.currency, amountMinor: String(amountMinor) });
  return {
    id: order.id,
    userId: order.user_id,
    items: items.map(
      (item): OrderItem => ({
        productId: item.product_id,
        productName: item.product_name,
        quantity: item.quantity,
        unitPrice: money(item.unit_price_minor),
        lineTotal: money(item.line_total_minor),
      }),
    ),
    total: money(order.total_minor),
    status: STATUS[order.status],
    statusReason: order.status_reason,
    createdAt: order.created_at,
    updatedAt: order.updated_at,
  };
}
