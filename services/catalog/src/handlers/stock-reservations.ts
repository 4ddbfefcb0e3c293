import {
  StockReservationStatus,
  type ReleaseStockRequest,
  type ReleaseStockResponse,
  type ReserveStockRequest,
  type ReserveStockResponse,
  type StockReservation,
} from '../../../../gen/ts/shop/catalog/v1/catalog';
import { notFound } from '../../../../platform/errors';
import { expiresAt, parseReleaseRequest, parseReserveRequest, type Reservation } from '../domain/stock-reservation';
import type { CatalogCache } from '../store/catalog-cache';
import type { StockStore } from '../store/stock-store';

const STATUS = {
  RESERVED: StockReservationStatus.STOCK_RESERVATION_STATUS_RESERVED,
  CONFIRMED: StockReservationStatus.STOCK_RESERVATION_STATUS_CONFIRMED,
  RELEASED: StockReservationStatus.STOCK_RESERVATION_STATUS_RELEASED,
} as const;

export const toStockReservation = (r: Reservation): StockReservation => ({
  id: r.id,
  status: STATUS[r.status],
  items: r.lines.map((l) => ({ productId: l.productId, quantity: l.quantity })),
  createdAt: r.createdAt,
  expiresAt: r.expiresAt,
});

export interface StockReservationDeps {
  stock: StockStore;
  cache: CatalogCache;
  ttlSeconds: number;
  now?: () => Date;
}

/** ReserveStock / ReleaseStock: the synchronous half of stock reservations (docs/stock.md). */
export function stockReservationHandlers({ stock, cache, ttlSeconds, now = () => new Date() }: StockReservationDeps) {
  return {
    async reserveStock(req: ReserveStockRequest): Promise<ReserveStockResponse> {
      const { id, lines } = parseReserveRequest(req);
      const at = now();
      const { reservation, changedProductIds } = await stock.reserve(id, lines, at, expiresAt(at, ttlSeconds));
      // Only after the commit: invalidating earlier lets a reader cache the old stock again.
      await cache.productsChanged(changedProductIds);
      return { reservation: toStockReservation(reservation) };
    },

    async releaseStock(req: ReleaseStockRequest): Promise<ReleaseStockResponse> {
      const { id, reason } = parseReleaseRequest(req);
      const change = await stock.release(id, 'ABANDONED', reason || 'released by the caller', now());
      if (!change) throw notFound('reservation', id);
      await cache.productsChanged(change.changedProductIds);
      return { reservation: toStockReservation(change.reservation) };
    },
  };
}
