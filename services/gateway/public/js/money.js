/**
 * Money is { currencyCode, amountMinor } with amountMinor a string of minor
 * units (proto3 JSON prints int64 as a string). The decimal is built with
 * BigInt and handed to Intl as a string, so no amount is ever a float.
 */
const formats = new Map();

function formatFor(currency) {
  if (!formats.has(currency)) {
    formats.set(currency, new Intl.NumberFormat(undefined, { style: 'currency', currency }));
  }
  return formats.get(currency);
}

export function formatMoney(money) {
  if (!money?.currencyCode) return '';
  const format = formatFor(money.currencyCode);
  const digits = format.resolvedOptions().maximumFractionDigits;
  let minor = BigInt(money.amountMinor || '0');
  const sign = minor < 0n ? '-' : '';
  if (minor < 0n) minor = -minor;
  const unit = 10n ** BigInt(digits);
  const fraction = digits ? `.${String(minor % unit).padStart(digits, '0')}` : '';
  return format.format(`${sign}${minor / unit}${fraction}`);
}

/** Sum of money in one currency; undefined when the list mixes currencies or is empty. */
export function sumMoney(amounts) {
  const currencies = new Set(amounts.map((m) => m.currencyCode));
  if (currencies.size !== 1) return undefined;
  const total = amounts.reduce((sum, m) => sum + BigInt(m.amountMinor || '0'), 0n);
  return { currencyCode: [...currencies][0], amountMinor: String(total) };
}

export function timesMoney(money, quantity) {
  return { currencyCode: money.currencyCode, amountMinor: String(BigInt(money.amountMinor || '0') * BigInt(quantity)) };
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export function formatDateTime(timestamp) {
  const date = new Date(timestamp);
  return Number.isNaN(date.getTime()) ? '' : dateTime.format(date);
}

/** "2 minutes ago" for recent times, the date otherwise. */
export function formatAgo(timestamp) {
  const seconds = (Date.parse(timestamp) - Date.now()) / 1000;
  if (Number.isNaN(seconds)) return '';
  if (seconds > -45) return 'just now';
  if (seconds > -3600) return relative.format(Math.round(seconds / 60), 'minute');
  if (seconds > -86400) return relative.format(Math.round(seconds / 3600), 'hour');
  return formatDateTime(timestamp);
}
