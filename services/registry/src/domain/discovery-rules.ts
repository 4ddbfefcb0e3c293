import { createHash } from 'node:crypto';
import { Violations } from '../../../../platform/errors';
import type { DiscoveryTarget } from '../../../../gen/ts/shop/registry/v1/registry';
import { splitAddress } from './instance-rules';

const SERVICE_NAME = /^[a-z][a-z0-9-]{0,62}$/;
/** One request probes at most this many addresses: discovery is for a handful of servers, not a port scan. */
export const MAX_TARGETS = 64;

/**
 * A discovered server's instance id, derived from its address: discovering
 * the same address again refreshes the same instance instead of adding one.
 */
export function discoveredInstanceId(address: string): string {
  return `discovered-${createHash('sha256').update(address).digest('hex').slice(0, 16)}`;
}

/**
 * A service name for a server that never named itself, from its first
 * contract: "shop.catalog.v1.CatalogService" → "catalog",
 * "helloworld.Greeter" → "greeter", "acme.v1.StockLevelsService" → "stock-levels".
 */
export function serviceNameFor(contract: string): string {
  const last = contract.split('.').pop() ?? '';
  const base = last.replace(/Service$/, '') || last;
  const kebab = base
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 63);
  return SERVICE_NAME.test(kebab) ? kebab : 'discovered';
}

/**
 * `host:port` or `name=host:port` entries of REGISTRY_DISCOVERY_ADDRESSES as
 * targets; the configuration is validated at start, so a bad entry stops it.
 */
export function parseStaticTargets(entries: string[]): DiscoveryTarget[] {
  return entries.map((entry) => {
    const [name, address] = entry.includes('=') ? entry.split('=', 2) : ['', entry];
    return { name, address, metricsPort: 0 };
  });
}

export function validateTargets(targets: DiscoveryTarget[], field = 'targets'): void {
  const violations = new Violations()
    .check(targets.length > 0, field, 'required: at least one address (no static addresses are configured: REGISTRY_DISCOVERY_ADDRESSES)')
    .check(targets.length <= MAX_TARGETS, field, `at most ${MAX_TARGETS} per request`);
  targets.forEach((t, i) =>
    violations
      .check(splitAddress(t.address) !== undefined, `${field}[${i}].address`, 'host:port with a host name, an IPv4 address or a [bracketed] IPv6 address')
      .check(t.name === '' || SERVICE_NAME.test(t.name), `${field}[${i}].name`, 'lower-case letters, digits and "-", starting with a letter, or empty')
      .check(Number.isInteger(t.metricsPort) && t.metricsPort >= 0 && t.metricsPort <= 65535, `${field}[${i}].metrics_port`, 'a port, or 0 for none'),
  );
  violations.throwIfAny();
}
