import { isUtf8 } from 'node:buffer';
import {
  create,
  fromJson,
  ScalarType,
  toJson,
  type DescEnum,
  type DescField,
  type DescMessage,
  type JsonValue,
  type Message,
  type Registry,
} from '@bufbuild/protobuf';
import { getJsonPath, protoPath, resolveFieldPath, setJsonPath } from './field-path';
import type { RouteMatch } from './route-table';
import { badRequest } from './status-mapping';

/** The request-side options of Envoy's GrpcJsonTranscoder, as the binder needs them. */
export interface BindingOptions {
  ignoredQueryParameters: ReadonlySet<string>;
  ignoreUnknownQueryParameters: boolean;
  rejectBindingBodyFieldCollisions: boolean;
  queryParamUnescapePlus: boolean;
  caseInsensitiveEnumParsing: boolean;
}

/** A URL binding resolved to its field: path variables first, then query parameters in order. */
export interface Binding {
  fields: DescField[];
  values: string[];
}

/**
 * A query parameter names no field of the request. Envoy then either answers
 * 400 (`reject_unknown_query_parameters`) or passes the request through
 * untranscoded; the caller decides which.
 */
export class UnknownQueryParameter extends Error {
  constructor(
    readonly parameter: string,
    typeName: string,
  ) {
    super(`Could not find field "${parameter}" in the type "${typeName}".`);
  }
}

/**
 * Path variables and query parameters of a matched route, resolved against
 * the request message before the body is read, as Envoy resolves them when it
 * picks the method. Throws UnknownQueryParameter for a name that is no field.
 */
export function resolveBindings(match: RouteMatch, query: string, options: BindingOptions): Binding[] {
  const { route } = match;
  const bindings: Binding[] = [];
  for (const [path, value] of match.variables) bindings.push({ fields: route.pathFields.get(path)!, values: [value] });
  if (query === '') return bindings;
  const desc = route.method.input;
  for (const [name, value] of parseQuery(query, options.queryParamUnescapePlus)) {
    if (options.ignoredQueryParameters.has(name)) continue;
    const fields = resolveFieldPath(desc, name.split('.'), { jsonNames: true });
    if (!fields) {
      if (options.ignoreUnknownQueryParameters) continue;
      throw new UnknownQueryParameter(name, desc.typeName);
    }
    const same = bindings.find((b) => b.fields.length === fields.length && b.fields.every((f, i) => f === fields[i]));
    if (same) same.values.push(value);
    else bindings.push({ fields, values: [value] });
  }
  return bindings;
}

/**
 * Builds the gRPC request(s) of a REST call the way Envoy's transcoder does,
 * with the proto3 JSON mapping left to @bufbuild/protobuf:
 *
 * - the body must be UTF-8 JSON (400 otherwise); unknown body fields are
 *   dropped, enum names must exist (400), in any case with
 *   `case_insensitive_enum_parsing`;
 * - a google.api.HttpBody body (whole request or the body field) takes the raw
 *   bytes and the Content-Type;
 * - a client-streaming method takes a JSON array, one message per element;
 * - URL bindings fill the remaining fields; a repeated field bound in the URL
 *   is appended to the body's values; where the body already sets a singular
 *   field the body wins, or the request is refused when
 *   `reject_binding_body_field_collisions` is on.
 */
export function buildRequests(
  match: RouteMatch,
  bindings: Binding[],
  body: Buffer | undefined,
  contentType: string | undefined,
  options: BindingOptions,
  registry: Registry,
): Message[] {
  const { route } = match;
  const desc = route.method.input;
  if (route.body === undefined || body === undefined || body.length === 0) {
    if (route.method.methodKind === 'client_streaming' || route.method.methodKind === 'bidi_streaming') {
      return bindings.length ? [toMessage(desc, bind({}, desc, bindings, options, registry), registry)] : [];
    }
    return [bindings.length ? toMessage(desc, bind({}, desc, bindings, options, registry), registry) : create(desc)];
  }

  const bodyFields = route.body === '*' ? [] : route.body;
  const bodyType = bodyFields.length ? bodyFields[bodyFields.length - 1].message : desc;
  if (bodyType?.typeName === HTTP_BODY) {
    const httpBody = { contentType: contentType ?? '', data: body.toString('base64') };
    const json: Record<string, unknown> = {};
    if (bodyFields.length) setJsonPath(json, bodyFields, httpBody);
    else Object.assign(json, httpBody);
    return [toMessage(desc, bind(json, desc, bindings, options, registry), registry)];
  }

  if (!isUtf8(body)) throw badRequest('Encountered non UTF-8 code points.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw badRequest(`Unexpected token in the JSON body: ${(error as Error).message}`);
  }
  const streaming = route.method.methodKind === 'client_streaming' || route.method.methodKind === 'bidi_streaming';
  const elements = streaming ? (Array.isArray(parsed) ? parsed : [parsed]) : [parsed];
  return elements.map((element) => {
    let json: unknown;
    if (bodyFields.length) {
      const wrapped: Record<string, unknown> = {};
      setJsonPath(wrapped, bodyFields, element);
      json = wrapped;
    } else {
      json = element;
    }
    const cleaned = cleanMessage(desc, json, options.caseInsensitiveEnumParsing, '');
    return toMessage(desc, bindings.length ? bind(cleaned as Record<string, unknown>, desc, bindings, options, registry) : cleaned, registry);
  });
}

const HTTP_BODY = 'google.api.HttpBody';

function toMessage(desc: DescMessage, json: unknown, registry: Registry): Message {
  try {
    return fromJson(desc, json as JsonValue, { registry });
  } catch (error) {
    throw badRequest((error as Error).message);
  }
}

/** Adds the URL bindings to the body's JSON (already keyed by JSON names). */
function bind(json: Record<string, unknown>, desc: DescMessage, bindings: Binding[], options: BindingOptions, registry: Registry): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return json;
  for (const binding of bindings) {
    const value = bindingJson(binding);
    const inBody = getJsonPath(json, binding.fields);
    const field = binding.fields[binding.fields.length - 1];
    if (inBody === undefined || inBody === null) {
      setJsonPath(json, binding.fields, value);
    } else if (field.fieldKind === 'list' && Array.isArray(inBody)) {
      inBody.push(...(value as JsonValue[]));
    } else if (options.rejectBindingBodyFieldCollisions && !sameValue(desc, binding.fields, value, inBody, registry)) {
      throw badRequest(
        `The binding value ${JSON.stringify(binding.values[binding.values.length - 1])} of the field ${protoPath(binding.fields)} is conflicting with the value ${JSON.stringify(inBody)} in the body.`,
      );
    }
    // Otherwise the body's value stands, as in Envoy.
  }
  return json;
}

/** Compares in the library's canonical JSON, so "5" in the URL equals 5 in the body. */
function sameValue(desc: DescMessage, fields: DescField[], fromUrl: JsonValue, fromBody: unknown, registry: Registry): boolean {
  const canonical = (value: unknown) => {
    const single: Record<string, unknown> = {};
    setJsonPath(single, fields, value);
    try {
      return JSON.stringify(getJsonPath(toJson(desc, fromJson(desc, single as JsonValue, { registry }), { registry }), fields));
    } catch {
      return undefined;
    }
  };
  return canonical(fromUrl) === canonical(fromBody);
}

/**
 * The body's JSON with unknown fields dropped (Envoy drops them), keys turned
 * into JSON names, and every enum name checked: an enum value the type lacks is
 * a 400, as Envoy answers; @bufbuild/protobuf would otherwise drop it silently
 * when asked to ignore unknown fields.
 */
function cleanMessage(desc: DescMessage, json: unknown, caseInsensitive: boolean, at: string): unknown {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return json;
  // Well-known types have their own JSON forms (Struct, Any, Timestamp...): the library checks them.
  if (desc.typeName.startsWith('google.protobuf.')) return json;
  const byKey = fieldsByKey(desc);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    const field = byKey.get(key);
    if (!field) continue;
    out[field.jsonName] = cleanField(field, value, caseInsensitive, at ? `${at}.${field.name}` : field.name);
  }
  return out;
}

function cleanField(field: DescField, value: unknown, caseInsensitive: boolean, at: string): unknown {
  switch (field.fieldKind) {
    case 'enum':
      return enumValue(field.enum, value, caseInsensitive, at);
    case 'message':
      return cleanMessage(field.message, value, caseInsensitive, at);
    case 'list':
      if (!Array.isArray(value)) return value;
      if (field.listKind === 'enum') return value.map((v) => enumValue(field.enum, v, caseInsensitive, at));
      if (field.listKind === 'message') return value.map((v) => cleanMessage(field.message, v, caseInsensitive, at));
      return value;
    case 'map':
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
      if (field.mapKind === 'enum') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, enumValue(field.enum, v, caseInsensitive, at)]));
      if (field.mapKind === 'message')
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cleanMessage(field.message, v, caseInsensitive, at)]));
      return value;
    default:
      return value;
  }
}

function enumValue(desc: DescEnum, value: unknown, caseInsensitive: boolean, at: string): unknown {
  if (typeof value !== 'string' || desc.typeName === 'google.protobuf.NullValue') return value;
  if (desc.values.some((v) => v.name === value)) return value;
  if (caseInsensitive) {
    const upper = value.toUpperCase();
    const found = desc.values.find((v) => v.name.toUpperCase() === upper);
    if (found) return found.name;
  }
  throw badRequest(`${at}: invalid value "${value}" for enum type ${desc.typeName}`);
}

const keyCache = new WeakMap<DescMessage, Map<string, DescField>>();
function fieldsByKey(desc: DescMessage): Map<string, DescField> {
  let byKey = keyCache.get(desc);
  if (!byKey) {
    byKey = new Map();
    for (const field of desc.fields) {
      byKey.set(field.name, field);
      byKey.set(field.jsonName, field);
    }
    keyCache.set(desc, byKey);
  }
  return byKey;
}

/** The proto3 JSON form of URL text for the bound field; the library then validates it. */
function bindingJson({ fields, values }: Binding): JsonValue {
  const field = fields[fields.length - 1];
  const name = protoPath(fields);
  if (field.fieldKind === 'list') {
    const element = field.listKind === 'scalar' ? scalarText(field.scalar, name) : field.listKind === 'enum' ? enumText : messageText(field.message, name);
    return values.map(element);
  }
  // A singular field given more than once: the last value wins, as when the
  // transcoder writes the field twice into the gRPC message.
  const last = values[values.length - 1];
  switch (field.fieldKind) {
    case 'scalar':
      return scalarText(field.scalar, name)(last);
    case 'enum':
      return enumText(last);
    case 'message':
      return messageText(field.message, name)(last);
    default:
      throw badRequest(`map field "${name}" cannot be set from the URL`);
  }
}

const scalarText =
  (type: ScalarType, name: string) =>
  (text: string): JsonValue => {
    if (type !== ScalarType.BOOL) return text; // numbers as strings and base64 bytes are valid proto3 JSON
    if (text === 'true' || text === 'false') return text === 'true';
    throw badRequest(`field "${name}" expects true or false, got "${text}"`);
  };

const enumText = (text: string): JsonValue => (/^-?\d+$/.test(text) ? Number(text) : text);

/** Well-known types whose JSON form is a string or a scalar may come from the URL; other messages may not. */
const messageText =
  (message: DescMessage, name: string) =>
  (text: string): JsonValue => {
    if (message.typeName === 'google.protobuf.BoolValue') return scalarText(ScalarType.BOOL, name)(text);
    if (/^google\.protobuf\.(\w+Value|Timestamp|Duration|FieldMask)$/.test(message.typeName)) return text;
    throw badRequest(`field "${name}" is a message and cannot be set from the URL`);
  };

/**
 * Query parameters as Envoy reads them: `name=value` pairs split on "&"; the
 * name is taken as written (a field path), the value percent-decoded, "+" a
 * space only with `query_param_unescape_plus`; a part without "=" or with an
 * empty name is ignored.
 */
export function parseQuery(query: string, unescapePlus = true): [string, string][] {
  const pairs: [string, string][] = [];
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    pairs.push([part.slice(0, eq), decode(part.slice(eq + 1), unescapePlus)]);
  }
  return pairs;
}

function decode(text: string, unescapePlus: boolean): string {
  const spaced = unescapePlus ? text.replace(/\+/g, ' ') : text;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}
