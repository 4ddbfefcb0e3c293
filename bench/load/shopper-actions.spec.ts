import { strict as assert } from 'node:assert';
import { ACTIONS, DEFAULT_MIX, parseMix, weightedPicker, type ActionName } from './shopper-actions';

describe('shopper action mix', () => {
  it('reads weights, leaving unnamed actions out', () => {
    const mix = parseMix('browse=3, order=1');
    assert.deepEqual(
      ACTIONS.filter((a) => mix[a] > 0),
      ['browse', 'order'],
    );
    assert.equal(mix.browse, 3);
  });

  it('refuses unknown actions, bad weights and a mix of zeros', () => {
    assert.throws(() => parseMix('dance=3'), /"dance=3" is not <action>=<weight>/);
    assert.throws(() => parseMix('browse=lots'), /not <action>=<weight>/);
    assert.throws(() => parseMix('browse=0'), /every weight is 0/);
  });

  it('picks each action in proportion to its weight', () => {
    // An evenly spread "random" sequence makes the proportions exact.
    let i = 0;
    const steps = 1000;
    const pick = weightedPicker(DEFAULT_MIX, () => (i++ + 0.5) / steps);
    const counts: Partial<Record<ActionName, number>> = {};
    for (let n = 0; n < steps; n++) {
      const action = pick();
      counts[action] = (counts[action] ?? 0) + 1;
    }
    const total = Object.values(DEFAULT_MIX).reduce((a, b) => a + b, 0);
    for (const action of ACTIONS) assert.equal(counts[action] ?? 0, (DEFAULT_MIX[action] / total) * steps, action);
  });
});
