import { Violations } from '../../../../platform/errors';

export const LIMITS = {
  emailMax: 254,
  passwordMin: 8,
  passwordMax: 128,
  displayNameMax: 64,
  phoneMax: 32,
  addressMax: 256,
};

// Deliberately simple: one @, no spaces, a dot in the domain. Deliverability is
// proven by sending mail, not by a regular expression.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[0-9 ()-]{5,32}$/;

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

export interface ProfileFields {
  displayName?: string;
  phone?: string;
  address?: string;
}

function checkProfile(v: Violations, fields: ProfileFields): void {
  if (fields.displayName !== undefined) {
    const name = fields.displayName.trim();
    v.check(name.length > 0, 'display_name', 'must not be empty');
    v.check(name.length <= LIMITS.displayNameMax, 'display_name', `must be at most ${LIMITS.displayNameMax} characters`);
  }
  if (fields.phone) {
    v.check(
      fields.phone.length <= LIMITS.phoneMax && PHONE.test(fields.phone),
      'phone',
      'must be 5-32 digits, spaces, parentheses or dashes, optionally starting with +',
    );
  }
  if (fields.address !== undefined) {
    v.check(fields.address.length <= LIMITS.addressMax, 'address', `must be at most ${LIMITS.addressMax} characters`);
  }
}

export interface Registration extends ProfileFields {
  email: string;
  password: string;
  displayName: string;
}

/** Every problem of a registration at once, named by its proto field. */
export function validateRegistration(input: Registration): void {
  const v = new Violations();
  const email = normalizeEmail(input.email);
  v.check(email.length > 0, 'email', 'is required');
  if (email.length > 0) {
    v.check(email.length <= LIMITS.emailMax && EMAIL.test(email), 'email', 'must be a valid email address');
  }
  v.check(input.password.length >= LIMITS.passwordMin, 'password', `must be at least ${LIMITS.passwordMin} characters`);
  v.check(input.password.length <= LIMITS.passwordMax, 'password', `must be at most ${LIMITS.passwordMax} characters`);
  checkProfile(v, input);
  v.throwIfAny();
}

export function validateProfileUpdate(fields: ProfileFields): void {
  const v = new Violations();
  checkProfile(v, fields);
  v.throwIfAny();
}

export const MAX_NAME_SUGGESTIONS = 100;

export function validateSuggestionCount(count: number): number {
  const v = new Violations();
  v.check(count >= 0 && count <= MAX_NAME_SUGGESTIONS, 'count', `must be between 1 and ${MAX_NAME_SUGGESTIONS} (0 means 10)`);
  v.throwIfAny();
  return count === 0 ? 10 : count;
}
