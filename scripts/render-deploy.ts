import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { RENDERERS } from '../deploy/render';
import { runCli, UsageError } from './lib/cli';

const USAGE = `usage: npm run generate   (or: npx tsx scripts/render-deploy.ts [--out DIR] [--only NAME])

Renders the deployment files derived from services/manifest.ts and the contracts
(gen/descriptors/shopmesh.binpb) into gen/deploy/: ${Object.keys(RENDERERS).join(', ')}.
Every run replaces the whole directory; nothing in it is edited by hand.
  --out DIR     write there instead of gen/deploy
  --only NAME   one renderer`;

const root = join(__dirname, '..');

runCli('render-deploy', USAGE, async () => {
  const { values } = parseArgs({ options: { out: { type: 'string' }, only: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (values.only && !RENDERERS[values.only]) throw new UsageError(`--only: no renderer "${values.only}"`);
  const out = values.out ?? join(root, 'gen', 'deploy');
  if (!values.only) rmSync(out, { recursive: true, force: true });
  let count = 0;
  for (const [name, render] of Object.entries(RENDERERS)) {
    if (values.only && name !== values.only) continue;
    for (const file of render()) {
      const path = join(out, file.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, file.content);
      count += 1;
    }
  }
  console.log(`rendered ${count} deployment files into ${out}`);
});
