import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a server (MariaDB, here) that a test can cut and
 * restore: cut() drops every open connection and refuses new ones, as a
 * stopped database does; restore() accepts again on the same port. Only the
 * services pointed at the proxy lose their database, so the rest of the test
 * run (and the other suites) keep theirs.
 */
export async function startTcpProxy(target: { host: string; port: number }) {
  const open = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  function listen(): Promise<void> {
    server = createServer((client) => {
      const upstream = connect(target);
      open.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        open.delete(client);
        open.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream).pipe(client);
    });
    return new Promise((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(port, '127.0.0.1', () => {
        port = (server!.address() as AddressInfo).port;
        resolve();
      });
    });
  }
  await listen();

  return {
    get port() {
      return port;
    },
    /** Every connection dropped, new ones refused (ECONNREFUSED). */
    async cut(): Promise<void> {
      const closed = new Promise((resolve) => server!.close(resolve));
      for (const socket of open) socket.destroy();
      open.clear();
      await closed;
    },
    restore: listen,
    async close(): Promise<void> {
      if (server?.listening) await this.cut();
    },
  };
}
