import type { Knex } from 'knex';
import type { Db } from '../../../../platform/db';
import { transientFailure } from '../../../../platform/db-errors';
import { insertIfAbsent } from '../../../../platform/insert-if-absent';
import { productsNotFound } from '../domain/batch-get';
import {
  onOrderCreated,
  onRepeatedReserve,
  outOfStock,
  releases,
  type ReleaseKind,
  type Reservation,
  type ReservationStatus,
  type StockLine,
} from '../domain/stock-reservation';

interface ReservationRow {
  id: string;
  status: ReservationStatus;
  release_kind: ReleaseKind | null;
  release_reason: string;
  created_at: Date;
  updated_at: Date;
  expires_at: Date;
}

/** A reservation after a change, and the products whose stock the change moved (their cache entries go). */
export interface StockChange {
  reservation: Reservation;
  changedProductIds: string[];
}

const unchanged = (reservation: Reservation): StockChange => ({ reservation, changedProductIds: [] });

/** Attempts of a transaction the database picked as a deadlock victim. */
const DEADLOCK_ATTEMPTS = 4;
const productIds = (lines: StockLine[]) => lines.map((l) => l.productId);

/**
 * Reservations and the product stock they hold. Every change runs in one
 * transaction that locks the reservation row first and then the product rows
 * in product id order (lines are kept sorted), the same order everywhere, so
 * reservations, releases and the sweeper never deadlock each other.
 */
export function createStockStore(db: Db) {
  /**
   * Concurrent reservations of one id deadlock by InnoDB's design: each waits
   * on the first insert with a shared lock, then all want the row exclusively.
   * The victim is rolled back whole, so running it again is safe and is what
   * MariaDB's error asks for.
   */
  async function transaction<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await db.transaction(work);
      } catch (error) {
        if (transientFailure(error) !== 'deadlock' || attempt >= DEADLOCK_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
      }
    }
  }

  async function load(trx: Knex.Transaction, id: string): Promise<Reservation | undefined> {
    const row: ReservationRow | undefined = await trx('stock_reservations').where({ id }).forUpdate().first();
    if (!row) return undefined;
    const lines: { product_id: string; quantity: number }[] = await trx('stock_reservation_lines').where({ reservation_id: id }).orderBy('product_id');
    return {
      id: row.id,
      status: row.status,
      releaseKind: row.release_kind,
      lines: lines.map((l) => ({ productId: l.product_id, quantity: l.quantity })),
      createdAt: row.created_at,
      expiresAt: row.expires_at,
    };
  }

  /**
   * Takes every line or throws: OUT_OF_STOCK naming each product short of
   * stock, NOT_FOUND naming unknown ones. The conditional UPDATE is the whole
   * check: it holds the row lock, so concurrent takes of the last unit
   * serialize and only one of them matches.
   */
  async function take(trx: Knex.Transaction, lines: StockLine[]): Promise<void> {
    const short: StockLine[] = [];
    for (const line of lines) {
      const taken = await trx('products').where({ id: line.productId }).andWhere('stock', '>=', line.quantity).decrement('stock', line.quantity);
      if (taken === 0) short.push(line);
    }
    if (short.length === 0) return;
    const rows: { id: string; name: string; stock: number }[] = await trx('products').select('id', 'name', 'stock').whereIn('id', productIds(short));
    const found = new Map(rows.map((r) => [r.id, r]));
    const missing = short.filter((l) => !found.has(l.productId));
    if (missing.length) throw productsNotFound(productIds(missing));
    throw outOfStock(
      short.map((l) => ({ productId: l.productId, name: found.get(l.productId)!.name, available: found.get(l.productId)!.stock, wanted: l.quantity })),
    );
  }

  /** Takes the lines whatever is left: for orders that exist already (stock may go below zero). */
  async function takeRegardless(trx: Knex.Transaction, lines: StockLine[]): Promise<void> {
    for (const line of lines) await trx('products').where({ id: line.productId }).decrement('stock', line.quantity);
  }

  async function giveBack(trx: Knex.Transaction, lines: StockLine[]): Promise<void> {
    for (const line of lines) await trx('products').where({ id: line.productId }).increment('stock', line.quantity);
  }

  async function setStatus(
    trx: Knex.Transaction,
    reservation: Reservation,
    status: ReservationStatus,
    now: Date,
    changes: Partial<ReservationRow> = {},
  ): Promise<Reservation> {
    const releaseKind = status === 'RELEASED' ? (changes.release_kind ?? null) : null;
    await trx('stock_reservations')
      .where({ id: reservation.id })
      .update({ status, release_kind: releaseKind, updated_at: now, ...changes });
    return { ...reservation, status, releaseKind, expiresAt: changes.expires_at ?? reservation.expiresAt };
  }

  async function release(trx: Knex.Transaction, id: string, kind: ReleaseKind, reason: string, now: Date): Promise<StockChange | undefined> {
    const existing = await load(trx, id);
    if (!existing) return undefined;
    if (!releases(existing)) return unchanged(existing);
    await giveBack(trx, existing.lines);
    const reservation = await setStatus(trx, existing, 'RELEASED', now, { release_kind: kind, release_reason: reason.slice(0, 255) });
    return { reservation, changedProductIds: productIds(existing.lines) };
  }

  return {
    /** A new reservation, or the answer for one that exists (see onRepeatedReserve). */
    reserve(id: string, lines: StockLine[], now: Date, expiresAt: Date): Promise<StockChange> {
      return transaction(async (trx) => {
        const inserted = await insertIfAbsent(trx, 'stock_reservations', {
          id,
          status: 'RESERVED',
          release_kind: null,
          release_reason: '',
          created_at: now,
          updated_at: now,
          expires_at: expiresAt,
        });
        if (!inserted) {
          // Waited for the other insert of this id to commit; its reservation decides.
          const existing = (await load(trx, id))!;
          if (onRepeatedReserve(existing, lines) === 'answer') return unchanged(existing);
          await take(trx, existing.lines);
          const reservation = await setStatus(trx, existing, 'RESERVED', now, { release_reason: '', expires_at: expiresAt });
          return { reservation, changedProductIds: productIds(lines) };
        }
        await take(trx, lines);
        await trx('stock_reservation_lines').insert(lines.map((l) => ({ reservation_id: id, product_id: l.productId, quantity: l.quantity })));
        return { reservation: { id, status: 'RESERVED', releaseKind: null, lines, createdAt: now, expiresAt }, changedProductIds: productIds(lines) };
      });
    },

    /** Undefined when no such reservation exists. */
    release(id: string, kind: ReleaseKind, reason: string, now: Date, trx?: Knex.Transaction): Promise<StockChange | undefined> {
      return trx ? release(trx, id, kind, reason, now) : transaction((own) => release(own, id, kind, reason, now));
    },

    /** The order exists: keep its stock until it ends (see onOrderCreated). Undefined when no such reservation exists. */
    async confirm(trx: Knex.Transaction, id: string, now: Date): Promise<StockChange | undefined> {
      // The common case in one statement: a RESERVED reservation becomes CONFIRMED
      // (onOrderCreated's 'confirm'), nothing to take or give back. Only the rest is read.
      const confirmed = await trx('stock_reservations')
        .where({ id, status: 'RESERVED' })
        .update({ status: 'CONFIRMED', release_kind: null, release_reason: '', updated_at: now });
      if (confirmed === 1)
        return { reservation: { id, status: 'CONFIRMED', releaseKind: null, lines: [], createdAt: now, expiresAt: now }, changedProductIds: [] };
      const existing = await load(trx, id);
      if (!existing) return undefined;
      const action = onOrderCreated(existing);
      if (action === 'nothing') return unchanged(existing);
      if (action === 'take-again') await takeRegardless(trx, existing.lines);
      const reservation = await setStatus(trx, existing, 'CONFIRMED', now, { release_reason: '' });
      return { reservation, changedProductIds: action === 'take-again' ? productIds(existing.lines) : [] };
    },

    /** RESERVED reservations past their expiry, oldest first. */
    async expired(now: Date, limit: number): Promise<string[]> {
      const rows: { id: string }[] = await db('stock_reservations')
        .select('id')
        .where('status', 'RESERVED')
        .andWhere('expires_at', '<=', now)
        .orderBy('expires_at')
        .limit(limit);
      return rows.map((r) => r.id);
    },

    /** Releases the reservation if it is still RESERVED and expired once its lock is held (it may have been confirmed meanwhile). */
    expire(id: string, now: Date): Promise<StockChange | undefined> {
      return transaction(async (trx) => {
        const existing = await load(trx, id);
        if (!existing || existing.status !== 'RESERVED' || existing.expiresAt > now) return undefined;
        await giveBack(trx, existing.lines);
        const reservation = await setStatus(trx, existing, 'RELEASED', now, { release_kind: 'ABANDONED', release_reason: 'not confirmed before it expired' });
        return { reservation, changedProductIds: productIds(existing.lines) };
      });
    },
  };
}

export type StockStore = ReturnType<typeof createStockStore>;
