import { strict as assert } from 'node:assert';
import { imageNodeFlags } from '../lib/service-process';
import { memoryScenario, privateRssSnapshot, restingRss, rssSnapshot } from './memory';

describe('bench memory scenario', () => {
  const self = { 'this process': process.pid, gone: 2 ** 22 + 1 };

  it('reads RSS, its private part and RSS at rest per process, leaving out processes that are gone', async () => {
    const idle = rssSnapshot(self);
    const idlePrivate = privateRssSnapshot(self);
    const atRest = await restingRss(self, 2_000);
    assert.deepEqual(Object.keys(idle), ['this process']);
    assert.deepEqual(Object.keys(atRest), ['this process']);
    assert.ok(idlePrivate['this process'] > 0 && idlePrivate['this process'] < idle['this process'], 'private is part of RSS');
    const result = memoryScenario({ idle, idlePrivate, atRest, underLoad: idle, nodeFlags: ['--max-semi-space-size=8'] });
    assert.deepEqual(result.table!.columns, ['process', 'idle MB', 'idle private MB', 'at rest MB', 'under load MB', 'growth MB', 'idle CPU %']);
    assert.ok(result.figures['largest service RSS at rest, MB'] > 0);
    assert.match(result.notes.join('\n'), /--max-semi-space-size=8/);
    for (const row of result.table!.rows) assert.equal(row.length, result.table!.columns.length, `row ${row[0]}`);
    const withoutRest = memoryScenario({ idle, underLoad: idle });
    assert.deepEqual(withoutRest.table!.rows.at(-1)!.slice(2, 4), ['—', '—'], 'nothing measured: a dash, not 0 or NaN');
  });

  it("runs the services with the image's node flags, read from the Dockerfile's CMD", () => {
    const dockerfile = 'CMD ["sh", "-c", "exec node --max-semi-space-size=8 --require ./platform/telemetry.js services/${SERVICE}/src/main.js"]\n';
    assert.deepEqual(imageNodeFlags(dockerfile), ['--max-semi-space-size=8']);
    assert.deepEqual(imageNodeFlags(dockerfile.replace('--max-semi-space-size=8 ', '')), []);
    assert.throws(() => imageNodeFlags('CMD ["node", "main.js"]\n'), /no CMD/);
  });
});
