import type { DescField, DescMessage } from '@bufbuild/protobuf';

/**
 * Resolves a dotted field path ("book.author") in a request message. Every
 * step but the last must be a singular message field. Query parameters may
 * name fields by proto name or JSON name (`page_size` or `pageSize`), as
 * Envoy's transcoder accepts; templates and body paths use proto names.
 */
export function resolveFieldPath(message: DescMessage, path: string[], options: { jsonNames?: boolean } = {}): DescField[] | undefined {
  const fields: DescField[] = [];
  let current: DescMessage | undefined = message;
  for (const name of path) {
    if (!current) return undefined;
    const field: DescField | undefined = current.fields.find((f) => f.name === name || (options.jsonNames === true && f.jsonName === name));
    if (!field) return undefined;
    fields.push(field);
    current = field.fieldKind === 'message' ? field.message : undefined;
  }
  return fields.length > 0 ? fields : undefined;
}

/** The proto names of a resolved path, dotted: how errors and OpenAPI name a field. */
export const protoPath = (fields: DescField[]) => fields.map((f) => f.name).join('.');

/** Sets `value` at the fields' JSON names in a plain object, creating the nesting. */
export function setJsonPath(target: Record<string, unknown>, fields: DescField[], value: unknown): void {
  let node = target;
  for (const field of fields.slice(0, -1)) {
    const next = node[field.jsonName];
    node = (typeof next === 'object' && next !== null && !Array.isArray(next) ? next : (node[field.jsonName] = {})) as Record<string, unknown>;
  }
  node[fields[fields.length - 1].jsonName] = value;
}

/** Reads the value at the fields' JSON names, or undefined. */
export function getJsonPath(source: unknown, fields: DescField[]): unknown {
  let node = source;
  for (const field of fields) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[field.jsonName];
  }
  return node;
}
