import { strict as assert } from 'node:assert';
import { RpcError } from '../../../../platform/errors';
import { validateProfileUpdate, validateRegistration, validateSuggestionCount } from './account-rules';

function fieldsOf(run: () => void): string[] {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof RpcError);
    return error.details.fieldViolations!.map((v) => v.field).sort();
  }
  return [];
}

describe('account rules', () => {
  const good = { email: 'ada@example.com', password: 'long enough', displayName: 'Ada', phone: '', address: '' };

  it('accepts a good registration', () => {
    assert.deepEqual(
      fieldsOf(() => validateRegistration(good)),
      [],
    );
  });

  it('names every bad field at once', () => {
    assert.deepEqual(
      fieldsOf(() => validateRegistration({ email: 'nope', password: 'short', displayName: ' ', phone: 'abc', address: '' })),
      ['display_name', 'email', 'password', 'phone'],
    );
  });

  it('refuses over-long fields', () => {
    const long = 'x'.repeat(300);
    assert.deepEqual(
      fieldsOf(() => validateRegistration({ ...good, email: `${long}@example.com`, displayName: long, address: long, password: long })),
      ['address', 'display_name', 'email', 'password'],
    );
  });

  it('checks only the profile fields an update sets', () => {
    assert.deepEqual(
      fieldsOf(() => validateProfileUpdate({ phone: '+1 555 0100' })),
      [],
    );
    assert.deepEqual(
      fieldsOf(() => validateProfileUpdate({ displayName: '' })),
      ['display_name'],
    );
  });

  it('suggests 10 names by default and at most 100', () => {
    assert.equal(validateSuggestionCount(0), 10);
    assert.equal(validateSuggestionCount(100), 100);
    assert.deepEqual(
      fieldsOf(() => validateSuggestionCount(101)),
      ['count'],
    );
    assert.deepEqual(
      fieldsOf(() => validateSuggestionCount(-1)),
      ['count'],
    );
  });
});
