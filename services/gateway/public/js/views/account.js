/** Log in and register. Field errors come from the google.rpc.BadRequest the edge returns. */
import { shop } from '../api.js';
import { announce, h, toast } from '../dom.js';
import { href, navigate } from '../router.js';
import { session } from '../session.js';
import { screen } from './common.js';

/** Where to go after logging in: only a screen of this page (#/…), never another site. */
function nextOf(params) {
  const next = params.get('next') ?? '';
  return next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

function field({ name, label, type = 'text', autocomplete, hint }) {
  const id = `field-${name}`;
  const describedBy = [hint ? `${id}-hint` : '', `${id}-error`].filter(Boolean).join(' ');
  return h('div', { class: 'field', dataset: { field: name } },
    h('label', { for: id }, label),
    hint ? h('p', { class: 'field-hint', id: `${id}-hint` }, hint) : null,
    h('input', { class: 'input', id, name, type, autocomplete, 'aria-describedby': describedBy, required: true }),
    h('p', { class: 'field-error', id: `${id}-error`, hidden: true }));
}

/** Shows an ApiError on the form: violations beside their inputs, the rest above them. */
function showErrors(form, error, fallbackField) {
  clearErrors(form);
  const violations = error.fieldViolations;
  const unplaced = [];
  for (const violation of violations) {
    const input = form.elements.namedItem(violation.field);
    if (!input) {
      unplaced.push(`${violation.field}: ${violation.description}`);
      continue;
    }
    input.setAttribute('aria-invalid', 'true');
    const message = form.querySelector(`#field-${violation.field}-error`);
    message.textContent = capitalize(violation.description);
    message.hidden = false;
  }
  if (!violations.length && fallbackField) {
    const [name, message] = fallbackField(error) ?? [];
    if (name) return showErrors(form, { fieldViolations: [{ field: name, description: message }], humanMessage: message });
  }
  const summary = form.querySelector('.form-error');
  if (unplaced.length || !violations.length) {
    summary.textContent = unplaced.length ? `Please check: ${unplaced.join('; ')}.` : error.humanMessage;
    summary.hidden = false;
  }
  (form.querySelector('[aria-invalid="true"]') ?? summary).focus();
}

function clearErrors(form) {
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  for (const message of form.querySelectorAll('.field-error, .form-error')) {
    message.hidden = true;
    message.textContent = '';
  }
}

function accountForm({ fields, submitLabel, busyLabel, onSubmit }) {
  const submit = h('button', { type: 'submit', class: 'button button-wide' }, submitLabel);
  const form = h('form', { class: 'form card', novalidate: true },
    h('p', { class: 'form-error', role: 'alert', tabindex: '-1', hidden: true }),
    fields.map(field),
    submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    submit.disabled = true;
    submit.textContent = busyLabel;
    try {
      await onSubmit(Object.fromEntries(new FormData(form)), form);
    } finally {
      submit.disabled = false;
      submit.textContent = submitLabel;
    }
  });
  return form;
}

const EMAIL = { name: 'email', label: 'Email', type: 'email', autocomplete: 'email' };

export function loginView(main, { params }) {
  const next = nextOf(params);
  screen(main, 'Log in', h('p', { class: 'lede' }, 'Welcome back! Log in to order and follow your orders live.'));
  if (session.loggedIn) main.append(h('p', { class: 'panel' }, `You're logged in as ${session.user.displayName}. `, h('a', { href: href(next) }, 'Continue')));
  const form = accountForm({
    fields: [EMAIL, { name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password' }],
    submitLabel: 'Log in',
    busyLabel: 'Logging in…',
    onSubmit: async (values, form) => {
      try {
        session.start(await shop.login({ email: values.email.trim(), password: values.password }));
        toast(`Hi ${session.user.displayName}, you're logged in.`);
        navigate(next);
      } catch (error) {
        showErrors(form, error.status === 401 ? { fieldViolations: [], humanMessage: 'That email and password don\'t match an account. Check them and try again.' } : error);
      }
    },
  });
  main.append(h('div', { class: 'narrow' }, form,
    h('p', { class: 'form-switch' }, 'New here? ', h('a', { href: href('/register', { next }) }, 'Create an account'))));
}

export function registerView(main, { params }) {
  const next = nextOf(params);
  screen(main, 'Create an account', h('p', { class: 'lede' }, 'It takes ten seconds. We only need a name, an email and a password.'));
  const form = accountForm({
    fields: [
      { name: 'displayName', label: 'Your name', autocomplete: 'name' },
      EMAIL,
      { name: 'password', label: 'Password', type: 'password', autocomplete: 'new-password', hint: 'At least 8 characters.' },
    ],
    submitLabel: 'Create account',
    busyLabel: 'Creating your account…',
    onSubmit: async (values, form) => {
      const account = { email: values.email.trim(), password: values.password, displayName: values.displayName.trim() };
      try {
        await shop.register(account);
      } catch (error) {
        return showErrors(form, error, (e) => (e.status === 409 ? ['email', 'An account with this email already exists. Log in instead?'] : undefined));
      }
      announce('Account created.');
      try {
        session.start(await shop.login({ email: account.email, password: account.password }));
        toast(`Welcome, ${session.user.displayName}! Your account is ready.`);
        navigate(next);
      } catch {
        navigate('/login', { next });
      }
    },
  });
  main.append(h('div', { class: 'narrow' }, form,
    h('p', { class: 'form-switch' }, 'Already have an account? ', h('a', { href: href('/login', { next }) }, 'Log in'))));
}

const capitalize = (text) => (text ? text[0].toUpperCase() + text.slice(1) + (/[.!?]$/.test(text) ? '' : '.') : '');
