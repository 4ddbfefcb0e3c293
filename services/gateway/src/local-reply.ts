import type { IncomingHttpHeaders } from 'node:http';

/**
 * Envoy's local replies (the answers Envoy writes itself: unknown route, bad
 * JSON, body too large, rate limited) and the HTTP connection manager's
 * `local_reply_config` that rewrites them. Without a matching mapper a local
 * reply is the message as text/plain, as Envoy's sendLocalReply writes it.
 *
 * The subset of AccessLogFilter and SubstitutionFormatString Envoy configs use
 * for this is supported; anything else stops the gateway at start-up, so a
 * mapper the gateway cannot honour is never silently skipped.
 */
export interface LocalReply {
  status: number;
  contentType: string;
  body: string;
}

export type LocalReplies = (status: number, message: string, requestHeaders: IncomingHttpHeaders) => LocalReply;

type Filter = (status: number, headers: IncomingHttpHeaders) => boolean;

function compileFilter(raw: any, where: string): Filter {
  const keys = Object.keys(raw ?? {});
  if (keys.length !== 1) throw new Error(`${where}: a filter needs exactly one kind, got ${keys.join(', ') || 'none'}`);
  const [kind] = keys;
  const spec = raw[kind];
  switch (kind) {
    case 'status_code_filter': {
      const { op = 'EQ', value } = spec.comparison ?? {};
      const expected = Number(value?.default_value);
      if (op === 'EQ') return (status) => status === expected;
      if (op === 'GE') return (status) => status >= expected;
      if (op === 'LE') return (status) => status <= expected;
      throw new Error(`${where}: unsupported comparison op ${op}`);
    }
    case 'header_filter': {
      const {
        name,
        string_match: match = {},
        invert_match: invert = false,
        treat_missing_header_as_empty: missingAsEmpty = false,
        present_match: present,
      } = spec.header ?? {};
      const test = stringMatcher(match, present, `${where}.header_filter`);
      return (_status, headers) => {
        const value = headers[String(name).toLowerCase()];
        const text = Array.isArray(value) ? value.join(',') : value;
        if (text === undefined && !missingAsEmpty) return invert;
        return test(text ?? '') !== invert;
      };
    }
    case 'and_filter': {
      const parts = (spec.filters as unknown[]).map((f, i) => compileFilter(f, `${where}.and_filter[${i}]`));
      return (status, headers) => parts.every((p) => p(status, headers));
    }
    case 'or_filter': {
      const parts = (spec.filters as unknown[]).map((f, i) => compileFilter(f, `${where}.or_filter[${i}]`));
      return (status, headers) => parts.some((p) => p(status, headers));
    }
    default:
      throw new Error(`${where}: local_reply_config filter "${kind}" is not supported by the gateway`);
  }
}

function stringMatcher(match: any, present: boolean | undefined, where: string): (text: string) => boolean {
  if (present !== undefined) return () => present;
  const ignoreCase = match.ignore_case === true;
  const norm = (s: string) => (ignoreCase ? s.toLowerCase() : s);
  if (match.exact !== undefined) return (t) => norm(t) === norm(match.exact);
  if (match.prefix !== undefined) return (t) => norm(t).startsWith(norm(match.prefix));
  if (match.suffix !== undefined) return (t) => norm(t).endsWith(norm(match.suffix));
  if (match.contains !== undefined) return (t) => norm(t).includes(norm(match.contains));
  if (match.safe_regex?.regex !== undefined) {
    const re = new RegExp(`^(?:${match.safe_regex.regex})$`);
    return (t) => re.test(t);
  }
  throw new Error(`${where}: unsupported string_match ${JSON.stringify(match)}`);
}

type Format = (status: number, message: string) => { contentType: string; body: string };

function substitute(text: string, status: number, message: string): string {
  return text.replaceAll('%LOCAL_REPLY_BODY%', message).replaceAll('%RESPONSE_CODE%', String(status));
}

function compileFormat(raw: any, where: string): Format | undefined {
  if (!raw) return undefined;
  if (raw.json_format !== undefined) {
    const contentType = raw.content_type ?? 'application/json';
    const fill = (value: unknown, status: number, message: string): unknown => {
      if (typeof value === 'string') return substitute(value, status, message);
      if (Array.isArray(value)) return value.map((v) => fill(v, status, message));
      if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, status, message)]));
      return value;
    };
    // Envoy's JSON formatter writes one compact line.
    return (status, message) => ({ contentType, body: `${JSON.stringify(fill(raw.json_format, status, message))}\n` });
  }
  const text = raw.text_format ?? raw.text_format_source?.inline_string;
  if (text !== undefined) {
    const contentType = raw.content_type ?? 'text/plain';
    return (status, message) => ({ contentType, body: substitute(text, status, message) });
  }
  throw new Error(`${where}: only json_format, text_format and text_format_source.inline_string are supported`);
}

/** The local replies of an HttpConnectionManager's `local_reply_config` (or none). */
export function createLocalReplies(config: any, where = 'local_reply_config'): LocalReplies {
  const mappers = ((config?.mappers ?? []) as any[]).map((mapper, i) => {
    const at = `${where}.mappers[${i}]`;
    const known = new Set(['filter', 'status_code', 'body', 'body_format_override', 'headers_to_add']);
    for (const key of Object.keys(mapper)) if (!known.has(key)) throw new Error(`${at}: "${key}" is not supported by the gateway`);
    return {
      matches: compileFilter(mapper.filter, `${at}.filter`),
      status: mapper.status_code as number | undefined,
      body: mapper.body?.inline_string as string | undefined,
      format: compileFormat(mapper.body_format_override, `${at}.body_format_override`),
    };
  });
  const fallback = compileFormat(config?.body_format, `${where}.body_format`);

  return (status, message, headers) => {
    const mapper = mappers.find((m) => m.matches(status, headers));
    const finalStatus = mapper?.status ?? status;
    const text = mapper?.body ?? message;
    const format = mapper?.format ?? fallback;
    if (format) return { status: finalStatus, ...format(finalStatus, text) };
    return { status: finalStatus, contentType: 'text/plain', body: text };
  };
}
