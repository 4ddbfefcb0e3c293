import { join } from 'node:path';

/**
 * Built by `npm run generate` from proto/ plus google.rpc and grpc.health.v1;
 * `npm run build` copies it to the same place beside the compiled platform/.
 * Server reflection and the method policy (platform/rpc/method-policy.ts) read it.
 */
export const DESCRIPTOR_SET_PATH = join(__dirname, '..', 'gen', 'descriptors', 'shopmesh.binpb');
