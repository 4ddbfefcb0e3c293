import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { ConnectRouter } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import type { Registry } from '@bufbuild/protobuf';

/** A fake gRPC upstream for the gateway's tests: connect-node's handlers over plain HTTP/2. */
export function connectUpstream(routes: (router: ConnectRouter) => void, registry: Registry) {
  const server = http2.createServer(connectNodeAdapter({ routes, jsonOptions: { registry } }));
  /** Listens on host:port (0: any free port) and answers the port. */
  const listen = (host = '127.0.0.1', port = 0) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
    });
  return {
    listen,
    /** Listens on a free loopback port and answers its address, as `<NAME>_ADDRESSES` takes it. */
    listenAddress: async () => `127.0.0.1:${await listen()}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Sessions the gateway keeps open would hold close() forever.
        setTimeout(resolve, 200).unref();
      }),
  };
}
