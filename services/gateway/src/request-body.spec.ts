import { strict as assert } from 'node:assert';
import { Readable } from 'node:stream';
import { readBody } from './request-body';

describe('request bodies', () => {
  it('reads a body within the limit', async () => {
    assert.equal((await readBody(Readable.from([Buffer.from('{"a":'), Buffer.from('1}')]), 100)).toString(), '{"a":1}');
  });

  it('refuses a declared Content-Length over the limit before reading, with 413', async () => {
    const body = Readable.from([Buffer.from('x')]);
    await assert.rejects(readBody(body, 10, '11'), (error: any) => error.httpStatus === 413 && error.code === 8);
    assert.equal(body.readableFlowing, null, 'nothing was read');
  });

  it('stops at the limit when the body grows past it, without destroying the request', async () => {
    const body = Readable.from([Buffer.alloc(6), Buffer.alloc(6), Buffer.alloc(6)]);
    await assert.rejects(readBody(body, 10), /internal buffer size exceeds the configured limit/);
    assert.equal(body.destroyed, false);
  });
});
