import { strict as assert } from 'node:assert';
import { errorFrame, messageFrame, streamFormatFor } from './server-stream';

describe('server-streaming responses', () => {
  it('speaks SSE unless the client asks for NDJSON', () => {
    assert.equal(streamFormatFor(undefined), 'sse');
    assert.equal(streamFormatFor('text/event-stream'), 'sse');
    assert.equal(streamFormatFor('application/x-ndjson'), 'ndjson');
  });

  it('frames each message as one line of JSON, even when it contains newlines', () => {
    const message = { notification: { title: 'Paid', body: 'line 1\nline 2' } };
    assert.equal(messageFrame('sse', message), 'data: {"notification":{"title":"Paid","body":"line 1\\nline 2"}}\n\n');
    assert.equal(messageFrame('ndjson', message), '{"notification":{"title":"Paid","body":"line 1\\nline 2"}}\n');
  });

  it('ends a stream that fails after its first message with the google.rpc.Status', () => {
    const status = { code: 14, message: 'gone', details: [] };
    assert.equal(errorFrame('sse', status), 'event: error\ndata: {"code":14,"message":"gone","details":[]}\n\n');
    assert.equal(errorFrame('ndjson', status), '{"error":{"code":14,"message":"gone","details":[]}}\n');
  });
});
