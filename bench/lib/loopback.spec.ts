import { strict as assert } from 'node:assert';
import { assertLoopback, isLoopbackHost } from './loopback';

describe('load targets', () => {
  it('accepts this machine under any of its loopback names', () => {
    for (const host of ['127.0.0.1', '127.3.2.1', 'localhost', 'api.localhost', '::1', '[::1]', '::ffff:127.0.0.1']) assert.ok(isLoopbackHost(host), host);
    for (const target of ['http://127.0.0.1:8080', 'http://localhost:8080/', 'http://[::1]:8080', '127.0.0.1:50051', '[::1]:50051']) assertLoopback(target);
  });

  it('refuses every other host with a message naming the target', () => {
    for (const host of ['10.0.0.1', '0.0.0.0', '192.168.1.10', 'example.com', 'localhost.example.com', '::', '2001:db8::1'])
      assert.ok(!isLoopbackHost(host), host);
    assert.throws(() => assertLoopback('http://shop.example.com:8080'), /refusing to send load to http:\/\/shop\.example\.com:8080: only loopback/);
    assert.throws(() => assertLoopback('10.1.2.3:50051'), /only loopback/);
  });
});
