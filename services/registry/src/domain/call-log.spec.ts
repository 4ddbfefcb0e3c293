import assert from 'node:assert/strict';
import { CallSource, decodeEntry, encodeEntry, pageKey, pageOfCalls, type CallEntry } from './call-log';

const entry = (id: string, ms: number, overrides: Partial<CallEntry> = {}): CallEntry => ({
  id,
  serviceName: 'catalog',
  method: 'shop.catalog.v1.CatalogService/ListProducts',
  caller: 'admin-1',
  statusCode: 'OK',
  latencyMs: 1.5,
  time: new Date(ms),
  traceId: '',
  source: CallSource.CALL_SOURCE_REGISTRY,
  instanceId: 'i-1',
  ...overrides,
});

describe('registry call log: order, filters and pages', () => {
  const log = [
    entry('a', 1000),
    entry('c', 3000, { statusCode: 'NOT_FOUND' }),
    entry('b', 3000),
    entry('d', 2000, { method: 'shop.catalog.v1.CatalogService/GetProduct' }),
  ];

  it('lists newest first, a tie on time broken by id', () => {
    assert.deepEqual(
      pageOfCalls(log, {}, undefined, 10).page.map((e) => e.id),
      ['c', 'b', 'd', 'a'],
    );
  });

  it('pages without repeating or skipping, even when entries arrive between pages', () => {
    const first = pageOfCalls(log, {}, undefined, 2);
    assert.deepEqual([first.page.map((e) => e.id), first.more], [['c', 'b'], true]);
    const grown = [...log, entry('z', 9000)];
    const second = pageOfCalls(grown, {}, pageKey(first.page[1]), 2);
    assert.deepEqual([second.page.map((e) => e.id), second.more], [['d', 'a'], false]);
  });

  it('filters by method and by status code', () => {
    assert.deepEqual(
      pageOfCalls(log, { statusCode: 'NOT_FOUND' }, undefined, 10).page.map((e) => e.id),
      ['c'],
    );
    assert.deepEqual(
      pageOfCalls(log, { method: 'shop.catalog.v1.CatalogService/GetProduct' }, undefined, 10).page.map((e) => e.id),
      ['d'],
    );
  });

  it('round-trips an entry through its stored form and ignores what is not one', () => {
    assert.deepEqual(decodeEntry(encodeEntry(log[1])), log[1]);
    assert.equal(decodeEntry('not json'), undefined);
    assert.equal(decodeEntry('{"id":1}'), undefined);
  });
});
