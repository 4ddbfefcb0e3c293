import assert from 'node:assert/strict';
import { Code, RpcError } from './errors';
import { createStartupGrace, isNotUpYet } from './startup-grace';

describe('platform/startup-grace', () => {
  it('stays quiet within the grace and speaks once when a condition has lasted', () => {
    let now = 1_000;
    const grace = createStartupGrace(30_000, () => now);
    assert.equal(grace.lasted('registry down'), false);
    now += 29_999;
    assert.equal(grace.lasted('registry down'), false);
    now += 1;
    assert.equal(grace.lasted('registry down'), true);
    now += 60_000;
    assert.equal(grace.lasted('registry down'), false, 'reported once, not at every retry');
  });

  it('keeps a grace per condition', () => {
    let now = 0;
    const grace = createStartupGrace(10, () => now);
    grace.lasted('a');
    now = 10;
    grace.lasted('b');
    assert.equal(grace.lasted('a'), true);
    assert.equal(grace.lasted('b'), false);
  });

  it('starts a new grace once the condition has cleared', () => {
    let now = 0;
    const grace = createStartupGrace(10, () => now);
    grace.lasted('a');
    now = 10;
    assert.equal(grace.lasted('a'), true);
    grace.clear('a');
    assert.equal(grace.lasted('a'), false);
    now = 20;
    assert.equal(grace.lasted('a'), true);
  });
});

describe('platform/startup-grace: a peer not up yet', () => {
  it('is a refused or unanswered call, never a refused credential', () => {
    assert.equal(isNotUpYet(new RpcError(Code.UNAVAILABLE, 'connect ECONNREFUSED')), true);
    assert.equal(isNotUpYet(new RpcError(Code.DEADLINE_EXCEEDED, 'Deadline exceeded')), true);
    assert.equal(isNotUpYet(new RpcError(Code.UNAUTHENTICATED, 'bad token')), false);
    assert.equal(isNotUpYet(new Error('boom')), false);
  });
});
