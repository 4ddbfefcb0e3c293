import { Code } from '../../../../platform/errors';
import { CallSource } from '../../../../gen/ts/shop/registry/v1/registry';

/**
 * One call as the registry logs it: who called what, how it ended and how
 * long it took. Never a request or response body, never a credential.
 */
export interface CallEntry {
  id: string;
  serviceName: string;
  /** `package.Service/Method`. */
  method: string;
  /** The caller's token subject: a user id or `service:<name>`. */
  caller: string;
  /** gRPC status code name. */
  statusCode: string;
  latencyMs: number;
  time: Date;
  traceId: string;
  source: CallSource;
  instanceId: string;
}

export { CallSource };

export interface CallFilter {
  method?: string;
  statusCode?: string;
}

/** The 17 gRPC status code names, as the log stores them. */
export const STATUS_CODE_NAMES = Object.keys(Code).filter((key) => Number.isNaN(Number(key)));

export const codeName = (code: number) => Code[code] ?? 'UNKNOWN';

export const FULL_METHOD = /^[A-Za-z_][A-Za-z0-9_.]{0,200}\/[A-Za-z_][A-Za-z0-9_]{0,100}$/;

/** Newest first; a tie on time is broken by id so the order (and paging) is total. */
export function newestFirst(a: CallEntry, b: CallEntry): number {
  return b.time.getTime() - a.time.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** The position of an entry as a page token key. */
export const pageKey = (entry: CallEntry): string[] => [String(entry.time.getTime()), entry.id];

/**
 * One page of the entries that pass the filter, newest first, starting after
 * `after` (the key of the last entry of the previous page). `more` says
 * whether another page follows.
 */
export function pageOfCalls(entries: CallEntry[], filter: CallFilter, after: string[] | undefined, size: number): { page: CallEntry[]; more: boolean } {
  const sorted = entries
    .filter((e) => (!filter.method || e.method === filter.method) && (!filter.statusCode || e.statusCode === filter.statusCode))
    .sort(newestFirst);
  const start = after ? sorted.findIndex((e) => isAfter(e, after)) : 0;
  if (start < 0) return { page: [], more: false };
  const page = sorted.slice(start, start + size);
  return { page, more: start + size < sorted.length };
}

/** Whether `entry` comes after the position `key` in newest-first order. */
function isAfter(entry: CallEntry, [time, id]: string[]): boolean {
  const t = entry.time.getTime();
  const keyTime = Number(time);
  return t < keyTime || (t === keyTime && entry.id < id);
}

/** Entries as stored in Redis: compact JSON, one member of a sorted set scored by time. */
export function encodeEntry(entry: CallEntry): string {
  return JSON.stringify({ ...entry, time: entry.time.getTime() });
}

export function decodeEntry(text: string): CallEntry | undefined {
  try {
    const raw = JSON.parse(text) as Omit<CallEntry, 'time'> & { time: number };
    if (typeof raw.id !== 'string' || typeof raw.time !== 'number') return undefined;
    return { ...raw, time: new Date(raw.time) };
  } catch {
    return undefined;
  }
}
