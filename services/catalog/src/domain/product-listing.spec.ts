import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import type { RpcError } from '../../../../platform/errors';
import type { ListProductsRequest, Product } from '../../../../gen/ts/shop/catalog/v1/catalog';
import { parseListRequest, toPage } from './product-listing';

const request = (fields: Partial<ListProductsRequest> = {}): ListProductsRequest => ({ pageSize: 0, pageToken: '', category: '', query: '', ...fields });
const product = (name: string) => ({ id: `id-${name}`, name, tags: [] }) as unknown as Product;
const field = (name: string) => (error: RpcError) => error.details.fieldViolations?.[0].field === name;

describe('product listing', () => {
  it('pages by 20 unless asked, and by at most 100', () => {
    assert.equal(parseListRequest(request()).page.size, 20);
    assert.equal(parseListRequest(request({ pageSize: 100 })).page.size, 100);
    assert.throws(() => parseListRequest(request({ pageSize: 101 })), field('page_size'));
    assert.throws(() => parseListRequest(request({ pageSize: -1 })), field('page_size'));
  });

  it('names every bad field at once: page size, category, query and page token', () => {
    assert.throws(
      () => parseListRequest(request({ pageSize: 500, category: 'Burgers', query: 'x'.repeat(101), pageToken: 'garbage' })),
      (error: RpcError) =>
        assert.deepEqual(
          error.details.fieldViolations?.map((v) => v.field),
          ['page_size', 'page_token', 'category', 'query'],
        ) ?? true,
    );
  });

  it('gives a next page token exactly when the store found one product more', () => {
    const query = parseListRequest(request({ pageSize: 2, category: 'drinks' }));
    const full = toPage(query, [product('a'), product('b'), product('c')], 3);
    assert.deepEqual(
      full.products.map((p) => p.name),
      ['a', 'b'],
    );
    assert.deepEqual(parseListRequest(request({ pageSize: 2, category: 'drinks', pageToken: full.nextPageToken })).page.after, ['b', 'id-b']);
    assert.equal(full.totalSize, 3);
    assert.equal(toPage(query, [product('a'), product('b')], 2).nextPageToken, '');
  });

  it('accepts its own next page token for the same filter', () => {
    const first = parseListRequest(request({ pageSize: 1, query: 'Spicy' }));
    const token = toPage(first, [product('a'), product('b')], 2).nextPageToken;
    assert.deepEqual(parseListRequest(request({ pageSize: 5, query: 'spicy', pageToken: token })).page.after, ['a', 'id-a']);
  });

  it('refuses its token for another category or query', () => {
    const token = toPage(parseListRequest(request({ pageSize: 1, category: 'burgers' })), [product('a'), product('b')], 2).nextPageToken;
    assert.throws(() => parseListRequest(request({ pageSize: 1, category: 'pizzas', pageToken: token })), field('page_token'));
  });

  it('still reads the tokens it issued before the platform paging: { v: 1, n, i, f }', () => {
    // The old fingerprint of the filter, computed as services/catalog/src/domain/page-token.ts did.
    const f = createHash('sha256')
      .update(JSON.stringify({ category: 'burgers', terms: [] }))
      .digest('base64url')
      .slice(0, 12);
    const legacy = Buffer.from(JSON.stringify({ v: 1, n: 'Crème', i: 'id-Crème', f })).toString('base64url');
    assert.deepEqual(parseListRequest(request({ pageSize: 1, category: 'burgers', pageToken: legacy })).page.after, ['Crème', 'id-Crème']);
  });
});
