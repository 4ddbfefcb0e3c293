import type { Knex } from 'knex';
import { Violations } from './errors';
import { isUuid } from './ids';
import { createPageTokens, pageSize, type PageSizeLimits, type PageTokenOptions } from './page-token';

/**
 * One column of a list's sort key. `type` says how its value travels in a
 * page token: 'time' a Date as its ISO string, 'uuid' and 'text' as they are
 * (a 'uuid' must be one). The last column must make the key unique (an id).
 */
export interface KeyColumn {
  column: string;
  order: 'asc' | 'desc';
  type: 'time' | 'uuid' | 'text';
}

export type KeyValue = string | Date;

/** The usual order of a user's history (orders, notifications): newest first, ties broken by the UUID id. */
export const newestFirst = (createdAt = 'created_at', id = 'id'): KeyColumn[] => [
  { column: createdAt, order: 'desc', type: 'time' },
  { column: id, order: 'desc', type: 'uuid' },
];

export interface KeysetOptions<Item> extends PageTokenOptions {
  /** The RPC the tokens belong to, named when a token is refused. */
  rpc: string;
  orderBy: KeyColumn[];
  /** The sort key of an item, one value per `orderBy` column. */
  keyOf: (item: Item) => KeyValue[];
  limits?: PageSizeLimits;
}

/** A List request's page_size and page_token, checked. */
export interface PageRequest {
  size: number;
  /** The sort key of the last item of the previous page; undefined for the first page. */
  after?: KeyValue[];
  /** What the request lists (e.g. `{ userId }`): a token is only good for the filter it was issued for. */
  filter: unknown;
}

/**
 * Keyset paging for a List RPC (AIP-158), defined once per list: read the
 * request, run the query after the previous page, and answer the page with
 * the token of the next. The query reads one row more than the page: its
 * presence says another page follows.
 *
 * ```ts
 * const paging = keysetPaging<OrderRow>({ rpc: 'ListOrders', orderBy: NEWEST_FIRST, keyOf: (o) => [o.created_at, o.id] });
 * const page = paging.request(req, { userId });               // INVALID_ARGUMENT for a bad page_size or page_token
 * const rows = await paging.query(db('orders').where({ user_id: userId }), page);
 * return paging.respond(rows, page);                          // { items, nextPageToken }
 * ```
 */
export function keysetPaging<Item>({ rpc, orderBy, keyOf, limits, legacyKey }: KeysetOptions<Item>) {
  const tokens = createPageTokens(rpc, { legacyKey });
  const toText = (value: KeyValue) => (value instanceof Date ? value.toISOString() : value);

  /** The typed key a token carries, or undefined when its values are not what the columns hold. */
  function fromText(key: string[]): KeyValue[] | undefined {
    if (key.length !== orderBy.length) return undefined;
    const values: KeyValue[] = [];
    for (const [i, { type }] of orderBy.entries()) {
      const text = key[i];
      if (type === 'time') {
        const time = new Date(text);
        if (Number.isNaN(time.getTime()) || time.toISOString() !== text) return undefined;
        values.push(time);
      } else if (type === 'uuid' && !isUuid(text)) {
        return undefined;
      } else {
        values.push(text);
      }
    }
    return values;
  }

  return {
    /**
     * page_size and page_token checked against `filter`. Problems go to
     * `violations` when given (a request that reports all its fields at once),
     * and are thrown as INVALID_ARGUMENT otherwise.
     */
    request(req: { pageSize: number; pageToken: string }, filter: unknown, violations?: Violations): PageRequest {
      const v = violations ?? new Violations();
      const size = pageSize(req.pageSize, limits, v);
      let after: KeyValue[] | undefined;
      if (req.pageToken) {
        const reading = tokens.read(req.pageToken, filter);
        after = 'key' in reading ? fromText(reading.key) : undefined;
        if ('problem' in reading) v.add('page_token', reading.problem);
        else if (!after) v.add('page_token', `is not a page token from a previous ${rpc} response`);
      }
      if (!violations) v.throwIfAny();
      return { size, after, filter };
    },

    /** `query` in key order, strictly after the previous page, at most one row more than the page. */
    query<Q extends Knex.QueryBuilder>(query: Q, page: PageRequest): Q {
      if (page.after) startAfter(query, orderBy, page.after);
      return query.orderBy(orderBy.map(({ column, order }) => ({ column, order }))).limit(page.size + 1) as Q;
    },

    /** The page (`rows` as `query` read them, or mapped one to one) and the token of the next page, '' after the last. */
    respond<T extends Item>(rows: T[], page: PageRequest): { items: T[]; nextPageToken: string } {
      const items = rows.slice(0, page.size);
      const last = items[items.length - 1];
      const more = rows.length > page.size && last !== undefined;
      return { items, nextPageToken: more ? tokens.encode(keyOf(last).map(toText), page.filter) : '' };
    },
  };
}

export type KeysetPaging<Item> = ReturnType<typeof keysetPaging<Item>>;

/**
 * Rows strictly after `key` in `orderBy` order: for (a, b) ascending,
 * `a > ? OR (a = ? AND b > ?)`. Spelled out rather than as a row comparison
 * so that columns may sort in different directions.
 */
export function startAfter<Q extends Knex.QueryBuilder>(query: Q, orderBy: KeyColumn[], key: KeyValue[]): Q {
  return query.andWhere((later) => {
    orderBy.forEach(({ column, order }, i) => {
      later.orWhere((tie) => {
        for (let j = 0; j < i; j += 1) tie.where(orderBy[j].column, key[j]);
        tie.where(column, order === 'asc' ? '>' : '<', key[i]);
      });
    });
  }) as Q;
}
