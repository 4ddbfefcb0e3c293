import { z } from 'zod';

/**
 * Envoy's GrpcJsonTranscoder message (envoy.extensions.filters.http.grpc_json_transcoder.v3),
 * field for field, in the snake_case Envoy's YAML uses. `.strict()` everywhere: a field
 * this edge does not know stops the gateway instead of being silently ignored, so the two
 * edges cannot drift apart unnoticed. test/edge/envoy-schema.spec.ts checks that this
 * schema names exactly the fields of Envoy's own proto.
 */
const printOptions = z
  .object({
    add_whitespace: z.boolean().default(false),
    always_print_primitive_fields: z.boolean().default(false),
    always_print_enums_as_ints: z.boolean().default(false),
    preserve_proto_field_names: z.boolean().default(false),
    stream_newline_delimited: z.boolean().default(false),
    /** Envoy 1.35+; newer than the API snapshot on Maven Central (see NEWER_THAN_API_SNAPSHOT). */
    stream_sse_style_delimited: z.boolean().default(false),
  })
  .strict();

const requestValidationOptions = z
  .object({
    reject_unknown_method: z.boolean().default(false),
    reject_unknown_query_parameters: z.boolean().default(false),
    reject_binding_body_field_collisions: z.boolean().default(false),
  })
  .strict();

/** google.protobuf.UInt32Value in YAML: a bare number (Envoy's JSON mapping of the wrapper). */
const uint32Value = z
  .number()
  .int()
  .positive()
  .max(2 ** 32 - 1);

export const grpcJsonTranscoderSchema = z
  .object({
    '@type': z.literal('type.googleapis.com/envoy.extensions.filters.http.grpc_json_transcoder.v3.GrpcJsonTranscoder').optional(),
    proto_descriptor: z.string().optional(),
    proto_descriptor_bin: z.string().optional(),
    services: z.array(z.string()).default([]),
    print_options: printOptions.default(() => printOptions.parse({})),
    match_incoming_request_route: z.boolean().default(false),
    ignored_query_parameters: z.array(z.string()).default([]),
    auto_mapping: z.boolean().default(false),
    ignore_unknown_query_parameters: z.boolean().default(false),
    convert_grpc_status: z.boolean().default(false),
    url_unescape_spec: z.enum(['ALL_CHARACTERS_EXCEPT_RESERVED', 'ALL_CHARACTERS_EXCEPT_SLASH', 'ALL_CHARACTERS']).default('ALL_CHARACTERS_EXCEPT_RESERVED'),
    query_param_unescape_plus: z.boolean().default(false),
    match_unregistered_custom_verb: z.boolean().default(false),
    request_validation_options: requestValidationOptions.default(() => requestValidationOptions.parse({})),
    case_insensitive_enum_parsing: z.boolean().default(false),
    max_request_body_size: uint32Value.optional(),
    max_response_body_size: uint32Value.optional(),
    /**
     * Envoy keeps unknown query parameters in filter state for later filters; the
     * request and response are unchanged, and the gateway has no later filters.
     */
    capture_unknown_query_parameters: z.boolean().default(false),
  })
  .strict()
  .refine((c) => (c.proto_descriptor === undefined) !== (c.proto_descriptor_bin === undefined), {
    message: "exactly one of proto_descriptor and proto_descriptor_bin (Envoy's descriptor_set oneof is required)",
  });

export type TranscoderOptions = z.output<typeof grpcJsonTranscoderSchema>;

/** Fields this gateway reads that Envoy added after io.envoyproxy.controlplane:api 1.0.49 (Envoy ~1.34). */
export const NEWER_THAN_API_SNAPSHOT = ['print_options.stream_sse_style_delimited'];

/**
 * Envoy's buffer limit when max_request_body_size / max_response_body_size are
 * unset: the listener's per_connection_buffer_limit_bytes, 1 MiB by default.
 */
export const DEFAULT_BUFFER_LIMIT = 1024 * 1024;

export const parseTranscoderOptions = (raw: unknown, where: string): TranscoderOptions => {
  const parsed = grpcJsonTranscoderSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      `${where}: not a GrpcJsonTranscoder this edge understands: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
};
