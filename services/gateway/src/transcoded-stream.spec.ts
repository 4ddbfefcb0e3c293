import { strict as assert } from 'node:assert';
import type { ServerResponse } from 'node:http';
import { createTranscodedStream } from './transcoded-stream';

/** Just enough of a ServerResponse to record what a stream writes. */
function recorder() {
  const out = { head: undefined as undefined | Record<string, string>, body: '', ended: false };
  const res = {
    writeHead: (_status: number, headers: Record<string, string>) => (out.head = headers),
    flushHeaders: () => undefined,
    write: (chunk: string) => (out.body += chunk),
    end: (chunk?: string) => {
      out.body += chunk ?? '';
      out.ended = true;
    },
    once: () => res,
    writableEnded: false,
    destroyed: false,
  };
  return { res: res as unknown as ServerResponse, out };
}
const print = (extra = {}) => ({
  add_whitespace: false,
  always_print_primitive_fields: false,
  always_print_enums_as_ints: false,
  preserve_proto_field_names: false,
  stream_newline_delimited: false,
  stream_sse_style_delimited: false,
  ...extra,
});
const timing = { commitMs: 10_000, sseHeartbeatMs: 0 };

describe("server streams framed like Envoy's print options", () => {
  for (const [name, options, expected, type] of [
    ['a JSON array by default', print(), '[{"a":1},{"a":2}]', 'application/json'],
    ['one message per line with stream_newline_delimited', print({ stream_newline_delimited: true }), '{"a":1}\n{"a":2}\n', 'application/json'],
    ['SSE data frames with stream_sse_style_delimited', print({ stream_sse_style_delimited: true }), 'data: {"a":1}\n\ndata: {"a":2}\n\n', 'text/event-stream'],
  ] as const) {
    it(name, () => {
      const { res, out } = recorder();
      const stream = createTranscodedStream(res, options, timing);
      stream.write('{"a":1}');
      stream.write('{"a":2}');
      stream.end();
      assert.equal(out.body, expected);
      assert.equal(out.head!['content-type'], type);
    });
  }

  it('answers an empty array for a stream without messages', () => {
    const { res, out } = recorder();
    createTranscodedStream(res, print(), timing).end();
    assert.equal(out.body, '[]');
  });

  it("writes google.api.HttpBody messages raw under the first one's content type", () => {
    const { res, out } = recorder();
    const stream = createTranscodedStream(res, print(), timing);
    stream.writeRaw('text/csv', Buffer.from('a,b\n'));
    stream.writeRaw('text/csv', Buffer.from('1,2\n'));
    stream.end();
    assert.equal(out.head!['content-type'], 'text/csv');
  });
});
