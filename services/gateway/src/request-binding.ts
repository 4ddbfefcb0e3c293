import { create, fromJson, mergeFromJson, ScalarType, toJson, type DescField, type DescMessage, type JsonValue, type Message, type Registry } from '@bufbuild/protobuf';
import { getJsonPath, protoPath, resolveFieldPath, setJsonPath } from './field-path';
import type { RouteMatch } from './route-table';
import { badRequest } from './status-mapping';

/** What an HTTP request brings to a route: path variables, query parameters and the raw body. */
export interface HttpInput {
  match: RouteMatch;
  query: string;
  body: Buffer | undefined;
}

/**
 * Builds the gRPC request of a REST call the way Envoy's transcoder does, with
 * the proto3 JSON mapping left to @bufbuild/protobuf:
 *
 * - the body (`body: "*"` or a field) is read with `fromJson`; unknown body
 *   fields are dropped, as Envoy drops them;
 * - path variables and query parameters bind the remaining fields; a query
 *   parameter naming no field is refused (`reject_unknown_query_parameters`);
 * - a field bound both by the URL and by the body with different values is
 *   refused (`reject_binding_body_field_collisions`).
 *
 * Every failure is INVALID_ARGUMENT (400) with the library's explanation.
 */
export function bindRequest(input: HttpInput, registry: Registry): Message {
  const { route } = input.match;
  const desc = route.method.input;
  const message = readBody(desc, route.body, input.body, registry);

  const bindings: Binding[] = [];
  for (const [path, value] of input.match.variables) {
    bindings.push({ fields: route.pathFields.get(path)!, values: [value], source: 'path' });
  }
  for (const [name, value] of parseQuery(input.query)) {
    const fields = resolveFieldPath(desc, name.split('.'), { jsonNames: true });
    if (!fields) throw badRequest(`unknown query parameter "${name}" for ${desc.typeName}`);
    const path = protoPath(fields);
    const bound = bindings.find((b) => protoPath(b.fields) === path);
    if (bound?.source === 'path') {
      if (bound.values[0] !== value) throw badRequest(`query parameter "${name}" contradicts the path`);
    } else if (bound) {
      bound.values.push(value);
    } else {
      bindings.push({ fields, values: [value], source: 'query' });
    }
  }
  if (bindings.length === 0) return message;

  const fromBody = toJson(desc, message, { registry }) as Record<string, unknown>;
  const merged: Record<string, unknown> = {};
  for (const binding of bindings) {
    const json = bindingJson(binding);
    const inBody = getJsonPath(fromBody, binding.fields);
    if (inBody !== undefined) {
      // Compare in the library's canonical JSON, so "5" in the URL equals 5 in the body.
      const single: Record<string, unknown> = {};
      setJsonPath(single, binding.fields, json);
      const canonical = getJsonPath(toJson(desc, parse(desc, single, registry), { registry }), binding.fields);
      if (JSON.stringify(canonical) !== JSON.stringify(inBody)) {
        throw badRequest(`field "${protoPath(binding.fields)}" has different values in the URL and in the body`);
      }
      continue;
    }
    setJsonPath(merged, binding.fields, json);
  }
  try {
    mergeFromJson(desc, message, merged as JsonValue, { registry });
  } catch (error) {
    throw badRequest((error as Error).message);
  }
  return message;
}

interface Binding {
  fields: DescField[];
  values: string[];
  source: 'path' | 'query';
}

function readBody(desc: DescMessage, body: '*' | DescField[] | undefined, raw: Buffer | undefined, registry: Registry): Message {
  // A route without a body mapping ignores any body, as Envoy does.
  if (body === undefined || raw === undefined || raw.length === 0) return create(desc);
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw badRequest(`malformed JSON body: ${(error as Error).message}`);
  }
  if (body === '*') return parse(desc, json, registry);
  const wrapped: Record<string, unknown> = {};
  setJsonPath(wrapped, body, json);
  return parse(desc, wrapped, registry);
}

function parse(desc: DescMessage, json: unknown, registry: Registry): Message {
  try {
    return fromJson(desc, json as JsonValue, { registry, ignoreUnknownFields: true });
  } catch (error) {
    throw badRequest((error as Error).message);
  }
}

/** The proto3 JSON form of URL text for the bound field; the library then validates it. */
function bindingJson({ fields, values }: Binding): JsonValue {
  const field = fields[fields.length - 1];
  const name = protoPath(fields);
  if (field.fieldKind === 'list') {
    const element = field.listKind === 'scalar' ? scalarText(field.scalar, name) : field.listKind === 'enum' ? enumText : messageText(field.message, name);
    return values.map(element);
  }
  if (values.length > 1) throw badRequest(`field "${name}" is not repeated but given ${values.length} times`);
  switch (field.fieldKind) {
    case 'scalar':
      return scalarText(field.scalar, name)(values[0]);
    case 'enum':
      return enumText(values[0]);
    case 'message':
      return messageText(field.message, name)(values[0]);
    default:
      throw badRequest(`map field "${name}" cannot be set from the URL`);
  }
}

const scalarText = (type: ScalarType, name: string) => (text: string): JsonValue => {
  if (type !== ScalarType.BOOL) return text; // numbers as strings and base64 bytes are valid proto3 JSON
  if (text === 'true' || text === 'false') return text === 'true';
  throw badRequest(`field "${name}" expects true or false, got "${text}"`);
};

const enumText = (text: string): JsonValue => (/^-?\d+$/.test(text) ? Number(text) : text);

/** Well-known types whose JSON form is a string or a scalar may come from the URL; other messages may not. */
const messageText = (message: DescMessage, name: string) => (text: string): JsonValue => {
  if (message.typeName === 'google.protobuf.BoolValue') return scalarText(ScalarType.BOOL, name)(text);
  if (/^google\.protobuf\.(\w+Value|Timestamp|Duration|FieldMask)$/.test(message.typeName)) return text;
  throw badRequest(`field "${name}" is a message and cannot be set from the URL`);
};

/**
 * Query parameters as Envoy reads them: `name=value` pairs, "+" as a space
 * (`query_param_unescape_plus`), and a name without "=" ignored.
 */
export function parseQuery(query: string): [string, string][] {
  const pairs: [string, string][] = [];
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    pairs.push([decode(part.slice(0, eq)), decode(part.slice(eq + 1))]);
  }
  return pairs;
}

function decode(text: string): string {
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}
