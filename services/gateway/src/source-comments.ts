import type { DescEnum, DescField, DescFile, DescMessage, DescMethod, DescService } from '@bufbuild/protobuf';

export type Commented = DescMessage | DescEnum | DescField | DescService | DescMethod;

/**
 * The leading comment of a message, field, enum, service or method, read from
 * the descriptor set's source info (buf keeps it), so the contracts' own words
 * become the OpenAPI descriptions.
 */
export function createCommentReader() {
  const cache = new Map<DescFile, Map<string, string>>();
  const locations = (file: DescFile) => {
    let map = cache.get(file);
    if (!map) {
      map = new Map();
      for (const location of file.proto.sourceCodeInfo?.location ?? []) {
        const text = location.leadingComments?.trim();
        if (text)
          map.set(
            location.path.join('.'),
            text
              .split('\n')
              .map((line) => line.replace(/^ /, '').trimEnd())
              .join('\n'),
          );
      }
      cache.set(file, map);
    }
    return map;
  };
  return (desc: Commented): string | undefined => {
    const [file, path] = locate(desc);
    return locations(file).get(path.join('.'));
  };
}

// Field numbers of FileDescriptorProto / DescriptorProto / ServiceDescriptorProto.
const FILE_MESSAGE = 4;
const FILE_ENUM = 5;
const FILE_SERVICE = 6;
const MESSAGE_FIELD = 2;
const MESSAGE_NESTED = 3;
const MESSAGE_ENUM = 4;
const SERVICE_METHOD = 2;

function locate(desc: Commented): [DescFile, number[]] {
  switch (desc.kind) {
    case 'message':
      if (desc.parent) {
        const [file, path] = locate(desc.parent);
        return [file, [...path, MESSAGE_NESTED, desc.parent.proto.nestedType.indexOf(desc.proto)]];
      }
      return [desc.file, [FILE_MESSAGE, desc.file.proto.messageType.indexOf(desc.proto)]];
    case 'enum':
      if (desc.parent) {
        const [file, path] = locate(desc.parent);
        return [file, [...path, MESSAGE_ENUM, desc.parent.proto.enumType.indexOf(desc.proto)]];
      }
      return [desc.file, [FILE_ENUM, desc.file.proto.enumType.indexOf(desc.proto)]];
    case 'field': {
      const [file, path] = locate(desc.parent);
      return [file, [...path, MESSAGE_FIELD, desc.parent.proto.field.indexOf(desc.proto)]];
    }
    case 'service':
      return [desc.file, [FILE_SERVICE, desc.file.proto.service.indexOf(desc.proto)]];
    case 'rpc': {
      const [file, path] = locate(desc.parent);
      return [file, [...path, SERVICE_METHOD, desc.parent.proto.method.indexOf(desc.proto)]];
    }
  }
}
