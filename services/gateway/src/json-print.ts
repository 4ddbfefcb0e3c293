import { create, fromBinary, toJson, type DescField, type DescMessage, type JsonObject, type JsonValue, type Message, type Registry } from '@bufbuild/protobuf';
import { base64Encode } from '@bufbuild/protobuf/wire';
import { Code, ConnectError } from '@connectrpc/connect';
import type { TranscoderOptions } from './transcoder-options';

type PrintOptions = TranscoderOptions['print_options'];

/**
 * Proto3 JSON as Envoy's transcoder prints it (protobuf's JsonPrintOptions):
 * `add_whitespace` is protobuf's one-space indent with a final newline;
 * otherwise one compact line.
 */
export interface JsonPrinter {
  /** The message (or its response_body field) as a JSON value. */
  value(desc: DescMessage, message: Message, responseBody?: DescField[]): JsonValue;
  text(value: JsonValue): string;
  /** google.rpc.Status of a failure, as `convert_grpc_status` prints it. */
  status(error: ConnectError): string;
}

export function createJsonPrinter(print: PrintOptions, registry: Registry): JsonPrinter {
  const options = {
    registry,
    alwaysEmitImplicit: print.always_print_primitive_fields,
    enumAsInteger: print.always_print_enums_as_ints,
    useProtoFieldName: print.preserve_proto_field_names,
  };
  const key = (field: DescField) => (print.preserve_proto_field_names ? field.name : field.jsonName);
  const text = print.add_whitespace ? (value: JsonValue) => `${JSON.stringify(value, null, 1)}\n` : (value: JsonValue) => JSON.stringify(value);

  return {
    value(desc, message, responseBody) {
      const whole = toJson(desc, message, options);
      if (!responseBody) return whole;
      let node: JsonValue | undefined = whole;
      for (const field of responseBody) node = node && typeof node === 'object' && !Array.isArray(node) ? node[key(field)] : undefined;
      return node ?? (print.always_print_primitive_fields ? null : {});
    },
    text,
    status(error) {
      const details = error.details.map((detail): JsonObject => {
        if ('desc' in detail) {
          return { '@type': `type.googleapis.com/${detail.desc.typeName}`, ...(toJson(detail.desc, create(detail.desc, detail.value), options) as JsonObject) };
        }
        const typeUrl = `type.googleapis.com/${detail.type}`;
        const desc = registry.getMessage(detail.type);
        try {
          if (desc) return { '@type': typeUrl, ...(toJson(desc, fromBinary(desc, detail.value), options) as JsonObject) };
        } catch {
          // Undecodable bytes fall through to the opaque form below.
        }
        return { '@type': typeUrl, value: base64Encode(detail.value) };
      });
      // Field order and omission as protobuf prints google.rpc.Status.
      const status: JsonObject = {};
      status.code = error.code; // never 0: OK is not an error
      if (error.rawMessage || print.always_print_primitive_fields) status.message = error.rawMessage;
      if (details.length || print.always_print_primitive_fields) status.details = details;
      return text(status);
    },
  };
}

/** A ConnectError for anything thrown, without leaking what is not one. */
export const asConnectError = (error: unknown): ConnectError => (error instanceof ConnectError ? error : new ConnectError('internal error', Code.Internal));
