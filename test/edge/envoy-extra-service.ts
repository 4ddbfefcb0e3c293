/**
 * The contract of the made-up service of test/deploy/added-service.ts ("wishlist"), for the
 * proof that adding a service touches nothing of envoy/envoy.yaml: shop/wishlist/v1/wishlist.proto,
 * built here as a FileDescriptorProto with its google.api.http and idempotency options and
 * appended to the real descriptor set. Its manifest entry is that file's spec.
 */
import { readFileSync } from 'node:fs';
import { create, type DescExtension, type DescMessage, fromBinary, setExtension, toBinary } from '@bufbuild/protobuf';
import {
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  MethodOptions_IdempotencyLevel,
  MethodOptionsSchema,
} from '@bufbuild/protobuf/wkt';
import { deployedService } from '../../deploy/render/model';
import { contractsFromBytes, DESCRIPTOR_SET_PATH } from '../../services/gateway/src/contracts';
import { ADDED } from '../deploy/added-service';

/** Its manifest entry as the deployment model reads one: name, config schema (ports), calls. */
export const extraRequirements = () => deployedService(ADDED);

export const EXTRA = { name: ADDED.name, typeName: 'shop.wishlist.v1.WishlistService', grpcPort: extraRequirements().grpcPort! };

interface ExtraMethod {
  name: string;
  input: string;
  http?: { get?: string; post?: string; body?: string };
  idempotency?: MethodOptions_IdempotencyLevel;
  access: number;
}

const METHODS: ExtraMethod[] = [
  {
    name: 'GetWishlist',
    input: 'GetWishlistRequest',
    http: { get: '/v1/users/{user_id}/wishlist' },
    idempotency: MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS,
    access: 2,
  },
  { name: 'AddItem', input: 'AddItemRequest', http: { post: '/v1/users/{user_id}/wishlist', body: '*' }, access: 2 },
  {
    name: 'SetItems',
    input: 'AddItemRequest',
    http: { post: '/v1/users/{user_id}/wishlist:set', body: '*' },
    idempotency: MethodOptions_IdempotencyLevel.IDEMPOTENT,
    access: 2,
  },
  // Internal: no HTTP annotation, called by other services only.
  { name: 'PurgeExpired', input: 'GetWishlistRequest', access: 4 },
];

const stringField = (name: string, number: number) => ({
  name,
  number,
  type: FieldDescriptorProto_Type.STRING,
  label: FieldDescriptorProto_Label.OPTIONAL,
  jsonName: name.replace(/_(\w)/g, (_, c: string) => c.toUpperCase()),
});

/** The real descriptor set plus shop/wishlist/v1/wishlist.proto. */
export function descriptorSetWithExtra(): Uint8Array {
  const bytes = readFileSync(DESCRIPTOR_SET_PATH);
  const { registry } = contractsFromBytes(bytes);
  const http = registry.getExtension('google.api.http') as DescExtension;
  const access = registry.getExtension('shop.options.v1.access') as DescExtension;
  const httpRule = registry.getMessage('google.api.HttpRule') as DescMessage;

  const file = create(FileDescriptorProtoSchema, {
    name: 'shop/wishlist/v1/wishlist.proto',
    package: 'shop.wishlist.v1',
    syntax: 'proto3',
    dependency: ['google/api/annotations.proto', 'shop/options/v1/options.proto'],
    messageType: [
      { name: 'GetWishlistRequest', field: [stringField('user_id', 1)] },
      { name: 'AddItemRequest', field: [stringField('user_id', 1), stringField('product_id', 2)] },
      { name: 'Wishlist', field: [stringField('user_id', 1), { ...stringField('product_ids', 2), label: FieldDescriptorProto_Label.REPEATED }] },
    ],
    service: [
      {
        name: 'WishlistService',
        method: METHODS.map((m) => {
          const options = create(MethodOptionsSchema, { idempotencyLevel: m.idempotency ?? MethodOptions_IdempotencyLevel.IDEMPOTENCY_UNKNOWN });
          setExtension(options, access, m.access);
          if (m.http) {
            const pattern = m.http.get ? { case: 'get', value: m.http.get } : { case: 'post', value: m.http.post };
            setExtension(options, http, create(httpRule, { pattern, body: m.http.body ?? '' } as never));
          }
          return { name: m.name, inputType: `.shop.wishlist.v1.${m.input}`, outputType: '.shop.wishlist.v1.Wishlist', options };
        }),
      },
    ],
  });
  const set = fromBinary(FileDescriptorSetSchema, bytes);
  set.file.push(file);
  return toBinary(FileDescriptorSetSchema, set);
}
