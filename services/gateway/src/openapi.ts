import type { DescField, DescMessage, Registry } from '@bufbuild/protobuf';
import { createSchemaBuilder, type JsonSchema } from './json-schema';
import type { RestRoute } from './route-table';
import { NDJSON } from './server-stream';

/** Query parameters reach nested messages through dotted paths, to this depth. */
const MAX_QUERY_DEPTH = 3;

/**
 * The OpenAPI 3.1 document of the REST surface, derived from the same routes
 * the gateway serves: every binding with its path and query parameters, its
 * request body and response as JSON Schemas of the messages, errors as
 * google.rpc.Status. Descriptions are the contracts' own comments.
 */
export function buildOpenApi(routes: RestRoute[], registry: Registry, info: { title: string; version: string; description?: string }) {
  const schemas = createSchemaBuilder(registry);
  const status = registry.getMessage('google.rpc.Status');
  const errorResponse = {
    description: 'A google.rpc.Status: `code` is the gRPC code, `details` the google.rpc error details (BadRequest, ErrorInfo, ...).',
    content: { 'application/json': { schema: status ? schemas.ref(status) : { type: 'object' } } },
  };

  const paths: Record<string, Record<string, unknown>> = {};
  const tags = new Map<string, string | undefined>();
  for (const route of routes) {
    const { method, service } = route;
    tags.set(service.name, schemas.comments(service));
    const pathParams = [...route.pathFields.entries()].map(([name, fields]) => ({
      name,
      in: 'path',
      required: true,
      schema: schemas.fieldSchema(fields[fields.length - 1]),
      ...describe(schemas.comments(fields[fields.length - 1])),
    }));
    const bodyFields = route.body === '*' ? undefined : route.body;
    const queryParams = route.body === '*' ? [] : queryParameters(method.input, [], new Set(route.pathFields.keys()), bodyFields, schemas);

    const output: JsonSchema = route.responseBody ? schemas.fieldSchema(route.responseBody[route.responseBody.length - 1]) : schemas.ref(method.output);
    const streaming = method.methodKind === 'server_streaming';
    const ok = streaming
      ? {
          description:
            'A stream of messages: Server-Sent Events (`data: <json>` per message) by default, newline-delimited JSON with `Accept: application/x-ndjson`.',
          content: { 'text/event-stream': { schema: output }, [NDJSON]: { schema: output } },
        }
      : { description: 'OK', content: { 'application/json': { schema: output } } };

    const operation: Record<string, unknown> = {
      operationId: `${service.name}_${method.name}${route.bindingIndex ? `_${route.bindingIndex}` : ''}`,
      tags: [service.name],
      summary: method.name,
      ...describe(schemas.comments(method)),
      parameters: [...pathParams, ...queryParams],
      responses: { 200: ok, default: errorResponse },
    };
    if (route.body) {
      const top = new Set([...route.pathFields.keys()].filter((name) => !name.includes('.')));
      const schema =
        route.body === '*'
          ? top.size > 0
            ? schemas.objectSchema(method.input, top)
            : schemas.ref(method.input)
          : schemas.fieldSchema(route.body[route.body.length - 1]);
      operation.requestBody = { required: false, content: { 'application/json': { schema } } };
    }
    const path = openApiPath(route.pattern);
    paths[path] ??= {};
    paths[path][route.httpMethod.toLowerCase()] = operation;
  }

  return {
    openapi: '3.1.0',
    info: { ...info },
    servers: [{ url: '/' }],
    tags: [...tags].map(([name, description]) => ({ name, ...describe(description) })),
    // Bearer tokens are optional at the edge: each service decides which methods need one.
    security: [{}, { bearerAuth: [] }],
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(schemas.components).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The accessToken of POST /v1/users:login.' } },
    },
  };
}

/** "/v1/{name=shelves/*}/books:list" → "/v1/{name}/books:list": OpenAPI names variables only. */
export function openApiPath(pattern: string): string {
  return pattern.replace(/\{([^}=]+)(=[^}]*)?\}/g, '{$1}');
}

/**
 * Query parameters for the fields not bound by path or body: scalars, enums and
 * their lists, reached through singular message fields by dotted camelCase
 * names (snake_case is accepted too).
 */
function queryParameters(
  message: DescMessage,
  prefix: DescField[],
  pathBound: ReadonlySet<string>,
  bodyFields: DescField[] | undefined,
  schemas: ReturnType<typeof createSchemaBuilder>,
): Record<string, unknown>[] {
  const params: Record<string, unknown>[] = [];
  for (const field of message.fields) {
    const path = [...prefix, field];
    const protoName = path.map((f) => f.name).join('.');
    if (pathBound.has(protoName) || (bodyFields && bodyFields.map((f) => f.name).join('.') === protoName)) continue;
    const name = path.map((f) => f.jsonName).join('.');
    const base = { name, in: 'query', required: false, ...describe(schemas.comments(field)) };
    if (field.fieldKind === 'scalar' || field.fieldKind === 'enum') {
      params.push({ ...base, schema: schemas.fieldSchema(field) });
    } else if (field.fieldKind === 'list' && field.listKind !== 'message') {
      params.push({ ...base, schema: schemas.fieldSchema(field), style: 'form', explode: true });
    } else if (field.fieldKind === 'message' && !field.message.typeName.startsWith('google.protobuf.') && path.length < MAX_QUERY_DEPTH) {
      params.push(...queryParameters(field.message, path, pathBound, bodyFields, schemas));
    } else if (field.fieldKind === 'message' && /^google\.protobuf\.(\w+Value|Timestamp|Duration|FieldMask)$/.test(field.message.typeName)) {
      params.push({ ...base, schema: schemas.fieldSchema(field) });
    }
  }
  return params;
}

const describe = (description: string | undefined) => (description ? { description } : {});
