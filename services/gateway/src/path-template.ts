/**
 * google.api.http path templates, parsed and matched the way Envoy's
 * transcoder (grpc-httpjson-transcoding) does it:
 *
 *   Template = "/" Segments [ Verb ] ;
 *   Segments = Segment { "/" Segment } ;
 *   Segment  = "*" | "**" | LITERAL | Variable ;
 *   Variable = "{" FieldPath [ "=" Segments ] "}" ;
 *   Verb     = ":" LITERAL ;
 */

export type Segment = { kind: 'literal'; value: string } | { kind: 'single' } | { kind: 'multi' };

export interface TemplateVariable {
  /** Field path in the request message, e.g. ["order_id"] or ["book", "name"]. */
  fieldPath: string[];
  /** Segment range [start, end) the variable captures. */
  start: number;
  end: number;
}

export interface PathTemplate {
  text: string;
  segments: Segment[];
  variables: TemplateVariable[];
  verb?: string;
}

export class TemplateSyntaxError extends Error {
  override name = 'TemplateSyntaxError';
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parsePathTemplate(text: string): PathTemplate {
  const fail = (why: string): never => {
    throw new TemplateSyntaxError(`invalid path template "${text}": ${why}`);
  };
  if (!text.startsWith('/')) fail('must start with "/"');

  // The verb is a ":" after the last "/" that is outside any variable.
  let depth = 0;
  let verbAt = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === '/' && depth === 0) verbAt = -1;
    else if (c === ':' && depth === 0) verbAt = i;
  }
  const path = verbAt >= 0 ? text.slice(0, verbAt) : text;
  const verb = verbAt >= 0 ? text.slice(verbAt + 1) : undefined;
  if (verb !== undefined && (verb === '' || verb.includes('/'))) fail('empty verb');

  const segments: Segment[] = [];
  const variables: TemplateVariable[] = [];
  const parseSegment = (raw: string): Segment => {
    if (raw === '*') return { kind: 'single' };
    if (raw === '**') return { kind: 'multi' };
    if (raw === '' || /[{}*=]/.test(raw)) fail(`bad segment "${raw}"`);
    return { kind: 'literal', value: raw };
  };

  // The root template "/" has no segments: it matches "/" alone.
  let i = path === '/' ? path.length + 1 : 1;
  while (i <= path.length) {
    if (path[i] === '{') {
      const close = path.indexOf('}', i);
      if (close < 0) fail('unclosed variable');
      const inner = path.slice(i + 1, close);
      const [fieldText, pattern] = inner.includes('=') ? [inner.slice(0, inner.indexOf('=')), inner.slice(inner.indexOf('=') + 1)] : [inner, '*'];
      const fieldPath = fieldText.split('.');
      if (!fieldPath.every((name) => IDENT.test(name))) fail(`bad field path "${fieldText}"`);
      if (pattern.includes('{')) fail('nested variable');
      const start = segments.length;
      for (const raw of pattern.split('/')) segments.push(parseSegment(raw));
      variables.push({ fieldPath, start, end: segments.length });
      i = close + 1;
    } else {
      let end = path.indexOf('/', i);
      if (end < 0) end = path.length;
      segments.push(parseSegment(path.slice(i, end)));
      i = end;
    }
    if (i < path.length && path[i] !== '/') fail(`unexpected "${path[i]}"`);
    i++;
  }
  // Envoy accepts "**" anywhere ("/a/{x=**}/b"), once: the segments around it are fixed.
  if (segments.filter((s) => s.kind === 'multi').length > 1) fail('more than one "**"');
  return { text, segments, variables, verb };
}

/** A request path split like Envoy does: query dropped, trailing "/" ignored, a known verb split off. */
export interface RequestPath {
  parts: string[];
  verb?: string;
}

export function splitRequestPath(rawPath: string, knownVerbs: ReadonlySet<string>, anyVerb = false): RequestPath | undefined {
  const q = rawPath.indexOf('?');
  const path = q < 0 ? rawPath : rawPath.slice(0, q);
  if (!path.startsWith('/')) return undefined;
  const parts = path.slice(1).split('/');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  // Only verbs some template declares are verbs; "/v1/users/a:b" otherwise keeps "a:b" as an id.
  const last = parts[parts.length - 1] ?? '';
  const colon = last.lastIndexOf(':');
  // match_unregistered_custom_verb: any ":x" after the last "/" is a verb.
  if (colon > 0 && (anyVerb || knownVerbs.has(last.slice(colon + 1)))) {
    parts[parts.length - 1] = last.slice(0, colon);
    return { parts, verb: last.slice(colon + 1) };
  }
  return { parts };
}

/** RFC 6570 reserved characters stay escaped in multi-segment variables (Envoy's default). */
const RESERVED = new Set("!#$&'()*+,/:;=?@[]".split(''));
const SLASH = new Set(['/']);

/** Envoy's url_unescape_spec, applied to multi-segment variables; single segments are always fully unescaped. */
export type UnescapeSpec = 'ALL_CHARACTERS_EXCEPT_RESERVED' | 'ALL_CHARACTERS_EXCEPT_SLASH' | 'ALL_CHARACTERS';

const KEPT: Record<UnescapeSpec, ReadonlySet<string>> = {
  ALL_CHARACTERS_EXCEPT_RESERVED: RESERVED,
  ALL_CHARACTERS_EXCEPT_SLASH: SLASH,
  ALL_CHARACTERS: new Set(),
};

export function unescapeSegment(raw: string, keepReserved: boolean | UnescapeSpec): string {
  if (!raw.includes('%')) return raw;
  const kept = typeof keepReserved === 'string' ? KEPT[keepReserved] : keepReserved ? RESERVED : KEPT.ALL_CHARACTERS;
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const hex = raw.slice(i + 1, i + 3);
    if (raw[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      const byte = parseInt(hex, 16);
      if (!kept.has(String.fromCharCode(byte))) {
        bytes.push(byte);
        i += 2;
        continue;
      }
    }
    const char = String.fromCodePoint(raw.codePointAt(i)!);
    bytes.push(...Buffer.from(char, 'utf8'));
    i += char.length - 1;
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * The segment kinds a match went through, for precedence: literal (0) beats
 * "*" (1) beats "**" (2), segment by segment, as Envoy's trie lookup does.
 */
export type MatchRank = number[];

export interface TemplateMatch {
  /** Field path (dotted) to its decoded value. */
  variables: Map<string, string>;
  rank: MatchRank;
}

export function matchPathTemplate(
  template: PathTemplate,
  request: RequestPath,
  spec: UnescapeSpec = 'ALL_CHARACTERS_EXCEPT_RESERVED',
): TemplateMatch | undefined {
  if (template.verb !== request.verb) return undefined;
  const { segments } = template;
  const { parts } = request;
  const multiAt = segments.findIndex((s) => s.kind === 'multi');
  // "**" takes one or more segments; the ones after it are matched from the end.
  const extra = parts.length - segments.length;
  if (multiAt < 0 ? extra !== 0 : extra < 0) return undefined;
  const partIndex = (segment: number) => (multiAt >= 0 && segment > multiAt ? segment + extra : segment);

  const rank: MatchRank = [];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment.kind === 'literal') {
      if (parts[partIndex(i)] !== segment.value) return undefined;
      rank.push(0);
    } else {
      rank.push(segment.kind === 'single' ? 1 : 2);
    }
  }

  const variables = new Map<string, string>();
  for (const variable of template.variables) {
    const start = partIndex(variable.start);
    const end = partIndex(variable.end - 1) + 1 + (variable.end - 1 === multiAt ? extra : 0);
    const captured = parts.slice(start, end);
    const multiSegment = variable.end - variable.start > 1 || (multiAt >= variable.start && multiAt < variable.end);
    variables.set(variable.fieldPath.join('.'), captured.map((part) => unescapeSegment(part, multiSegment ? spec : 'ALL_CHARACTERS')).join('/'));
  }
  return { variables, rank };
}

export function compareRanks(a: MatchRank, b: MatchRank): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return b.length - a.length;
}
