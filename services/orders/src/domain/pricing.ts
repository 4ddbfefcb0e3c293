import { failedPrecondition } from '../../../../platform/errors';
import type { OrderLine } from './order-request';

export interface CatalogPrice {
  id: string;
  name: string;
  currency: string;
  amountMinor: bigint;
  stock: number;
}

export interface PricedLine {
  productId: string;
  productName: string;
  quantity: number;
  unitMinor: bigint;
  lineMinor: bigint;
}

export interface PricedOrder {
  currency: string;
  lines: PricedLine[];
  totalMinor: bigint;
}

/**
 * Prices an order from catalog prices only (never from the request), in
 * integer minor units. One order is one currency; a product short of stock
 * is refused by name.
 */
export function priceOrder(lines: OrderLine[], catalog: Map<string, CatalogPrice>): PricedOrder {
  const currencies = new Set(lines.map((l) => catalog.get(l.productId)!.currency));
  if (currencies.size > 1) {
    throw failedPrecondition(`products are priced in different currencies (${[...currencies].join(', ')})`, 'MIXED_CURRENCIES');
  }
  const short = lines.filter((l) => catalog.get(l.productId)!.stock < l.quantity);
  if (short.length) {
    throw failedPrecondition(`not enough stock for ${short.map((l) => catalog.get(l.productId)!.name).join(', ')}`, 'OUT_OF_STOCK', {
      product_ids: short.map((l) => l.productId).join(','),
    });
  }
  const priced = lines.map((l) => {
    const product = catalog.get(l.productId)!;
    return {
      productId: l.productId,
      productName: product.name,
      quantity: l.quantity,
      unitMinor: product.amountMinor,
      lineMinor: product.amountMinor * BigInt(l.quantity),
    };
  });
  return { currency: [...currencies][0], lines: priced, totalMinor: priced.reduce((sum, l) => sum + l.lineMinor, 0n) };
}
