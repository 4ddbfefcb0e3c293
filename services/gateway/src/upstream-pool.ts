import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Http2SessionManager } from '@connectrpc/connect-node';

/** Every address a host name resolves to (A and AAAA), as the system resolver answers. */
export type Resolver = (host: string) => Promise<string[]>;

/** getaddrinfo, as Envoy's STRICT_DNS clusters do: /etc/hosts too, so `localhost` is 127.0.0.1 and ::1. */
export const systemResolver: Resolver = async (host) => [...new Set((await lookup(host, { all: true })).map((a) => a.address))];

/** One upstream instance: a resolved address and its HTTP/2 connection, kept warm. */
export interface Endpoint {
  /** ip:port (IPv6 in brackets). */
  readonly address: string;
  readonly baseUrl: string;
  readonly session: Http2SessionManager;
}

export interface PoolOptions {
  resolver?: Resolver;
  /** How often names are resolved again (Envoy's dns_refresh_rate is 5 s). */
  refreshMs: number;
  /** How long a session of an address that left the answer lives on, for the calls still on it. */
  retireAfterMs: number;
  onChange?: (target: string, addresses: string[]) => void;
  onError?: (target: string, error: unknown) => void;
}

/**
 * The instances behind a service's configured `host:port` entries. An IP
 * literal is one instance; a name (a Kubernetes headless Service, a compose
 * service scaled out) is every address it resolves to, resolved again every
 * refreshMs, so calls spread over every pod rather than pinning to the first.
 * Sessions are shared by every service on the same address.
 */
export class EndpointPool {
  private endpoints: Endpoint[] = [];
  private turn = 0;
  private resolving: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly resolved = new Map<string, string[]>();

  constructor(
    private readonly targets: { host: string; port: string; entry: string }[],
    private readonly sessions: SessionCache,
    private readonly options: PoolOptions,
  ) {
    const names = targets.filter((t) => !isIP(t.host));
    for (const t of targets) if (isIP(t.host)) this.resolved.set(t.entry, [t.host]);
    this.rebuild();
    if (names.length > 0) {
      this.resolving = this.refresh();
      this.timer = setInterval(() => void this.refresh(), options.refreshMs);
      this.timer.unref();
    }
  }

  get configured(): boolean {
    return this.targets.length > 0;
  }

  /** The instances known now. */
  current(): readonly Endpoint[] {
    return this.endpoints;
  }

  /** The next instance, round-robin; undefined when none is known (after the first resolution). */
  next(): Endpoint | undefined {
    const list = this.endpoints;
    if (list.length === 0) return undefined;
    const endpoint = list[this.turn % list.length];
    this.turn = (this.turn + 1) % 1_000_000_007;
    return endpoint;
  }

  /** The next instance, waiting for the first resolution of names if it is still under way. */
  async ready(): Promise<Endpoint | undefined> {
    if (this.endpoints.length === 0 && this.resolving) await this.resolving;
    return this.next();
  }

  /** Resolves every name again; a name that fails to resolve keeps its last answer. */
  async refresh(): Promise<void> {
    const resolver = this.options.resolver ?? systemResolver;
    await Promise.all(
      this.targets
        .filter((t) => !isIP(t.host))
        .map(async (t) => {
          try {
            const addresses = (await resolver(t.host)).sort();
            const before = this.resolved.get(t.entry);
            if (before?.join() === addresses.join()) return;
            this.resolved.set(t.entry, addresses);
            this.options.onChange?.(t.entry, addresses);
          } catch (error) {
            this.options.onError?.(t.entry, error);
          }
        }),
    );
    this.resolving = undefined;
    this.rebuild();
  }

  private rebuild(): void {
    const wanted = new Set<string>();
    for (const t of this.targets) for (const ip of this.resolved.get(t.entry) ?? []) wanted.add(joinHostPort(ip, t.port));
    const before = new Map(this.endpoints.map((e) => [e.address, e]));
    this.endpoints = [...wanted].map((address) => before.get(address) ?? this.sessions.acquire(address));
    for (const old of before.keys()) if (!wanted.has(old)) this.sessions.release(old, this.options.retireAfterMs);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

/** HTTP/2 sessions by address, counted by the pools using them. */
export class SessionCache {
  private readonly entries = new Map<string, { endpoint: Endpoint; users: number; retire?: NodeJS.Timeout }>();

  acquire(address: string): Endpoint {
    let entry = this.entries.get(address);
    if (!entry) {
      const baseUrl = `http://${address}`;
      // Keep-alive as grpc-js clients do it here: PINGs while calls are open, closed after a minute idle.
      const session = new Http2SessionManager(baseUrl, { pingIntervalMs: 30_000, idleConnectionTimeoutMs: 60_000 });
      entry = { endpoint: { address, baseUrl, session }, users: 0 };
      this.entries.set(address, entry);
    }
    if (entry.retire) clearTimeout(entry.retire);
    entry.retire = undefined;
    entry.users++;
    return entry.endpoint;
  }

  release(address: string, afterMs: number): void {
    const entry = this.entries.get(address);
    if (!entry || --entry.users > 0) return;
    entry.retire = setTimeout(() => {
      if (entry.users > 0) return;
      this.entries.delete(address);
      entry.endpoint.session.abort();
    }, afterMs);
    entry.retire.unref();
  }

  closeAll(): void {
    for (const { endpoint, retire } of this.entries.values()) {
      if (retire) clearTimeout(retire);
      endpoint.session.abort();
    }
    this.entries.clear();
  }
}

/** `host:port` (IPv6 in brackets) → its parts; throws on an entry without a port. */
export function splitHostPort(entry: string): { host: string; port: string; entry: string } {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(entry);
  if (bracketed) return { host: bracketed[1], port: bracketed[2], entry };
  const colon = entry.lastIndexOf(':');
  if (colon <= 0 || !/^\d+$/.test(entry.slice(colon + 1))) throw new Error(`upstream address ${JSON.stringify(entry)} is not host:port`);
  return { host: entry.slice(0, colon), port: entry.slice(colon + 1), entry };
}

export const joinHostPort = (ip: string, port: string) => (isIP(ip) === 6 ? `[${ip}]:${port}` : `${ip}:${port}`);
