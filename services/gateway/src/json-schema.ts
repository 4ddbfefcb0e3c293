import { getOption, hasOption, ScalarType, type DescEnum, type DescExtension, type DescField, type DescMessage, type Registry } from '@bufbuild/protobuf';
import { createCommentReader } from './source-comments';

export type JsonSchema = Record<string, unknown>;

/** google.api.FieldBehavior values that shape a schema. */
const REQUIRED = 2;
const OUTPUT_ONLY = 3;
const INPUT_ONLY = 4;

/**
 * JSON Schemas of messages in their proto3 JSON form (what the edge reads and
 * prints): camelCase names, 64-bit integers as strings, enums as names,
 * well-known types in their JSON shapes. Messages become components that
 * routes reference, so each is described once.
 */
export function createSchemaBuilder(registry: Registry) {
  const comments = createCommentReader();
  const fieldBehavior = registry.getExtension('google.api.field_behavior');
  const components: Record<string, JsonSchema> = {};

  const behaviors = (field: DescField): number[] =>
    fieldBehavior && hasOption(field, fieldBehavior as DescExtension) ? (getOption(field, fieldBehavior as DescExtension) as number[]) : [];

  const describe = (schema: JsonSchema, description: string | undefined): JsonSchema => (description ? { ...schema, description } : schema);

  function ref(desc: DescMessage | DescEnum): JsonSchema {
    const name = desc.typeName;
    if (!(name in components)) {
      components[name] = {}; // placeholder first: messages may refer to themselves
      components[name] = desc.kind === 'enum' ? enumSchema(desc) : objectSchema(desc);
    }
    return { $ref: `#/components/schemas/${name}` };
  }

  function enumSchema(desc: DescEnum): JsonSchema {
    return describe({ type: 'string', enum: desc.values.map((v) => v.name) }, comments(desc));
  }

  /** An object schema of a message; `omit` drops top-level fields (those a route binds in its path). */
  function objectSchema(desc: DescMessage, omit: ReadonlySet<string> = new Set()): JsonSchema {
    const wellKnown = WELL_KNOWN[desc.typeName];
    if (wellKnown) return wellKnown;
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const field of desc.fields) {
      if (omit.has(field.name)) continue;
      const flags = behaviors(field);
      let schema = describe(fieldSchema(field), comments(field));
      if (flags.includes(OUTPUT_ONLY)) schema = { ...schema, readOnly: true };
      if (flags.includes(INPUT_ONLY)) schema = { ...schema, writeOnly: true };
      if (flags.includes(REQUIRED)) required.push(field.jsonName);
      properties[field.jsonName] = schema;
    }
    return describe({ type: 'object', properties, ...(required.length ? { required } : {}) }, comments(desc));
  }

  function fieldSchema(field: DescField): JsonSchema {
    switch (field.fieldKind) {
      case 'scalar':
        return scalarSchema(field.scalar);
      case 'enum':
        return ref(field.enum);
      case 'message':
        return messageSchema(field.message);
      case 'list':
        return {
          type: 'array',
          items: field.listKind === 'scalar' ? scalarSchema(field.scalar) : field.listKind === 'enum' ? ref(field.enum) : messageSchema(field.message),
        };
      case 'map':
        return {
          type: 'object',
          additionalProperties:
            field.mapKind === 'scalar' ? scalarSchema(field.scalar) : field.mapKind === 'enum' ? ref(field.enum) : messageSchema(field.message),
        };
    }
  }

  const messageSchema = (desc: DescMessage): JsonSchema => WELL_KNOWN[desc.typeName] ?? ref(desc);

  return { components, ref, objectSchema, fieldSchema, comments };
}

export function scalarSchema(type: ScalarType): JsonSchema {
  switch (type) {
    case ScalarType.BOOL:
      return { type: 'boolean' };
    case ScalarType.STRING:
      return { type: 'string' };
    case ScalarType.BYTES:
      return { type: 'string', format: 'byte' };
    case ScalarType.DOUBLE:
      return { type: 'number', format: 'double' };
    case ScalarType.FLOAT:
      return { type: 'number', format: 'float' };
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return { type: 'integer', format: 'int32' };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: 'integer', format: 'int64', minimum: 0 };
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      // proto3 JSON prints 64-bit integers as strings: a double cannot hold them.
      return { type: 'string', format: 'uint64' };
    default:
      return { type: 'string', format: 'int64' };
  }
}

const WELL_KNOWN: Record<string, JsonSchema> = {
  'google.protobuf.Timestamp': { type: 'string', format: 'date-time' },
  'google.protobuf.Duration': { type: 'string', pattern: '^-?[0-9]+(\\.[0-9]+)?s$', example: '1.5s' },
  'google.protobuf.FieldMask': { type: 'string', description: 'Comma-separated field paths in camelCase.' },
  'google.protobuf.Empty': { type: 'object' },
  'google.protobuf.Struct': { type: 'object', additionalProperties: true },
  'google.protobuf.Value': {},
  'google.protobuf.ListValue': { type: 'array', items: {} },
  'google.protobuf.Any': {
    type: 'object',
    properties: { '@type': { type: 'string', example: 'type.googleapis.com/google.rpc.BadRequest' } },
    required: ['@type'],
    additionalProperties: true,
  },
  'google.protobuf.BoolValue': { type: ['boolean', 'null'] },
  'google.protobuf.StringValue': { type: ['string', 'null'] },
  'google.protobuf.BytesValue': { type: ['string', 'null'], format: 'byte' },
  'google.protobuf.DoubleValue': { type: ['number', 'null'] },
  'google.protobuf.FloatValue': { type: ['number', 'null'] },
  'google.protobuf.Int32Value': { type: ['integer', 'null'], format: 'int32' },
  'google.protobuf.UInt32Value': { type: ['integer', 'null'], format: 'int64' },
  'google.protobuf.Int64Value': { type: ['string', 'null'], format: 'int64' },
  'google.protobuf.UInt64Value': { type: ['string', 'null'], format: 'uint64' },
};
