import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { Violations } from '../../../../platform/errors';
import type { Instance } from '../../../../gen/ts/shop/registry/v1/registry';

/** What the registry keeps of a registered instance. */
export interface InstanceRecord {
  id: string;
  serviceName: string;
  version: string;
  /** host:port of the gRPC server. */
  address: string;
  grpcPort: number;
  metricsPort: number;
  startedAt: Date;
  lastHeartbeatAt: Date;
  /**
   * `self`: registered by the instance with its service token; `discovered`:
   * found by DiscoverServices and heart-beaten by the registry. Callers'
   * credentials are forwarded only to the former (handlers/call-method.ts).
   */
  origin: InstanceOrigin;
}

export type InstanceOrigin = 'self' | 'discovered';

/**
 * An instance is `late` once it has missed a heartbeat and more (two intervals
 * of silence: one late beat is jitter, a GC pause); it is then reported
 * UNREACHABLE without being probed. It `expires` after three intervals: Redis
 * drops it by TTL, and reads drop it too should the TTL not have fired yet.
 */
export type Liveness = 'alive' | 'late' | 'expired';

export const lateAfterMs = (heartbeatIntervalMs: number) => 2 * heartbeatIntervalMs;
export const expiresAfterMs = (heartbeatIntervalMs: number) => 3 * heartbeatIntervalMs;

export function liveness(record: Pick<InstanceRecord, 'lastHeartbeatAt'>, now: Date, heartbeatIntervalMs: number): Liveness {
  const silentMs = now.getTime() - record.lastHeartbeatAt.getTime();
  if (silentMs >= expiresAfterMs(heartbeatIntervalMs)) return 'expired';
  if (silentMs >= lateAfterMs(heartbeatIntervalMs)) return 'late';
  return 'alive';
}

export function uptimeSeconds(startedAt: Date, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - startedAt.getTime()) / 1000));
}

const SERVICE_NAME = /^[a-z][a-z0-9-]{0,62}$/;
const INSTANCE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}$/;
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
/** Clocks of instance and registry may disagree a little; a start further in the future is a bug. */
const CLOCK_SKEW_MS = 5 * 60_000;

const isPort = (port: number) => Number.isInteger(port) && port >= 1 && port <= 65535;

/** `host:port` → its parts; `[v6]:port` for IPv6 literals. Undefined when malformed. */
export function splitAddress(address: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address);
  if (!match) return undefined;
  const host = match[1] ?? match[2];
  const port = Number(match[3]);
  if (!isPort(port)) return undefined;
  if (match[1] !== undefined ? isIP(host) !== 6 : !(isIP(host) === 4 || HOST_NAME.test(host))) return undefined;
  return { host, port };
}

/**
 * A registration as the registry stores it. Register is reachable by any
 * holder of a service token and decides where other services send their
 * calls, so every field is checked strictly; every violation is reported at
 * once. An instance may choose its id (so it can register again under the same
 * one); without one the registry mints it.
 */
export function validateRegistration(instance: Instance | undefined, now: Date, origin: InstanceOrigin = 'self'): InstanceRecord {
  const violations = new Violations();
  if (!instance) {
    violations.add('instance', 'required');
    violations.throwIfAny();
  }
  const i = instance!;
  const address = splitAddress(i.address);
  const startedAt = i.startedAt ?? now;
  violations
    .check(i.id === '' || INSTANCE_ID.test(i.id), 'instance.id', 'letters, digits, ".", "_" or "-", at most 64, or empty for one minted by the registry')
    .check(SERVICE_NAME.test(i.serviceName), 'instance.service_name', 'lower-case letters, digits and "-", starting with a letter, at most 63')
    .check(VERSION.test(i.version), 'instance.version', 'required: letters, digits, ".", "+", "_" or "-", at most 64')
    .check(address !== undefined, 'instance.address', 'must be host:port with a host name, an IPv4 address or a [bracketed] IPv6 address')
    .check(i.grpcPort === 0 || (isPort(i.grpcPort) && i.grpcPort === address?.port), 'instance.grpc_port', 'must be the port of address (or 0)')
    .check(isPort(i.metricsPort), 'instance.metrics_port', 'must be a port, 1-65535')
    .check(startedAt.getTime() <= now.getTime() + CLOCK_SKEW_MS, 'instance.started_at', 'must not be in the future')
    .throwIfAny();
  return {
    id: i.id || randomUUID(),
    serviceName: i.serviceName,
    version: i.version,
    address: i.address,
    grpcPort: address!.port,
    metricsPort: i.metricsPort,
    startedAt,
    lastHeartbeatAt: now,
    origin,
  };
}

export function validateInstanceId(id: string): void {
  new Violations().check(INSTANCE_ID.test(id), 'instance_id', 'required: the id Register returned').throwIfAny();
}

export function validateServiceName(name: string): void {
  new Violations().check(SERVICE_NAME.test(name), 'name', 'required: a service name such as "users"').throwIfAny();
}

/** The host an instance's /metrics is served on: the host of its gRPC address. */
export function metricsUrl(record: Pick<InstanceRecord, 'address' | 'metricsPort'>): string {
  const { host } = splitAddress(record.address)!;
  return `http://${host.includes(':') ? `[${host}]` : host}:${record.metricsPort}/metrics`;
}
