import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const GOOGLE_API = 'node_modules/google-proto-files/google/api';

/**
 * Compiles the test contract (test/edge/contract/edgetest) with buf into a
 * FileDescriptorSet, imports included, as `npm run generate` does for
 * shopmesh's: google/api comes from the same google-proto-files package. A
 * module of its own (inline --config), so the repository's buf.yaml, lint and
 * breaking checks never see it. Returns the file's path.
 */
export function buildTestContract(): string {
  const out = join(mkdtempSync(join(tmpdir(), 'edge-contract-')), 'media.binpb');
  const config = {
    version: 'v2',
    modules: [
      { path: 'test/edge/contract' },
      // The same folders buf.yaml takes from the package (its other sub-folders do not compile).
      {
        path: 'node_modules/google-proto-files',
        includes: [GOOGLE_API],
        excludes: ['apikeys', 'cloudquotas', 'expr', 'servicecontrol', 'servicemanagement', 'serviceusage'].map((d) => `${GOOGLE_API}/${d}`),
      },
    ],
  };
  execFileSync(
    join(ROOT, 'node_modules', '.bin', 'buf'),
    ['build', '.', '--config', JSON.stringify(config), '--path', 'test/edge/contract/edgetest', '-o', out],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  return out;
}
