import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { resolvePublicPath } from './static-files';

describe('static files of the storefront', () => {
  const root = join('/srv', 'public');

  it('maps URL paths into the folder, with index.html for directories', () => {
    assert.equal(resolvePublicPath(root, '/app.js'), join(root, 'app.js'));
    assert.equal(resolvePublicPath(root, '/'), join(root, 'index.html'));
    assert.equal(resolvePublicPath(root, '/img/logo%20big.png'), join(root, 'img', 'logo big.png'));
  });

  it('never leaves the folder', () => {
    for (const path of ['/../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/a/../../etc/passwd', '/..%5c..%5cetc']) {
      const file = resolvePublicPath(root, path);
      assert.ok(file === undefined || file.startsWith(root + '/'), `${path} -> ${file}`);
    }
    assert.equal(resolvePublicPath(root, '/%E0%A4%A'), undefined);
    assert.equal(resolvePublicPath(root, '/a%00b'), undefined);
  });
});
