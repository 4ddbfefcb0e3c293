import { isIP } from 'node:net';

/** Hosts the load tools may target: this machine only. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || bare === '0:0:0:0:0:0:0:1' || bare.startsWith('::ffff:127.');
  return false;
}

export class TargetRefused extends Error {
  override name = 'TargetRefused';
}

/**
 * Refuses anything but a loopback target, so a typo can never point a load
 * generator at someone else's machine.
 */
export function assertLoopback(target: string): void {
  let host = target;
  if (/^[a-z]+:\/\//i.test(target)) {
    host = new URL(target).hostname;
  } else {
    const match = /^(\[[^\]]+\]|[^:]+)(?::\d+)?$/.exec(target);
    host = match ? match[1] : target;
  }
  if (!isLoopbackHost(host)) {
    throw new TargetRefused(`refusing to send load to ${target}: only loopback targets (127.0.0.1, ::1, localhost) are allowed`);
  }
}
