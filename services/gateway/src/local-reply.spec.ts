import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createLocalReplies } from './local-reply';

const envoy = parse(readFileSync(join(__dirname, '..', '..', '..', 'envoy', 'envoy.yaml'), 'utf8'));
const hcm = envoy.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;

describe("local replies (Envoy's own answers, shaped by local_reply_config)", () => {
  it("are the bare message as text/plain without a mapper, as Envoy's sendLocalReply writes them", () => {
    const replies = createLocalReplies(undefined);
    assert.deepEqual(replies(404, 'Could not resolve /x to a method.', {}), {
      status: 404,
      contentType: 'text/plain',
      body: 'Could not resolve /x to a method.',
    });
  });

  it("become google.rpc.Status JSON under envoy.yaml's mappers, except for gRPC requests", () => {
    const replies = createLocalReplies(hcm.local_reply_config);
    assert.deepEqual(replies(404, 'Could not resolve /x to a method.', { 'content-type': 'application/json' }), {
      status: 404,
      contentType: 'application/json',
      body: '{"code":5,"message":"Could not resolve /x to a method."}\n',
    });
    assert.deepEqual(replies(429, 'local_rate_limited', {}), {
      status: 429,
      contentType: 'application/json',
      body: '{"code":8,"message":"local_rate_limited"}\n',
    });
    assert.equal(replies(404, 'no', { 'content-type': 'application/grpc' }).contentType, 'text/plain');
  });

  it('refuses a mapper it cannot honour instead of skipping it', () => {
    assert.throws(() => createLocalReplies({ mappers: [{ filter: { runtime_filter: {} } }] }), /runtime_filter/);
  });
});
