import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { createStreamSink, errorFrame, messageFrame, SSE_HEARTBEAT, streamFormatFor } from './server-stream';

/** A response that records what is written to it. */
function recordingResponse() {
  const writes: string[] = [];
  const res = Object.assign(new EventEmitter(), {
    destroyed: false,
    writableEnded: false,
    writeHead: () => undefined,
    flushHeaders: () => undefined,
    write: (chunk: string) => writes.push(chunk),
    end: () => undefined,
  });
  return { res, writes };
}

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

  it('stops the heartbeat when the client leaves', async () => {
    const { res, writes } = recordingResponse();
    createStreamSink(res as unknown as ServerResponse, 'sse', 5).commit();
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.ok(writes.includes(SSE_HEARTBEAT), 'beats while the client listens');
    res.destroyed = true;
    res.emit('close');
    const beats = writes.length;
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(writes.length, beats, 'no write after the client left');
  });
});
