import type { Money } from '../../../../gen/ts/shop/common/v1/money';

/** Digits after the decimal point of a currency's minor unit (EUR 2, JPY 0, KWD 3); ISO 4217 data from Intl. */
function minorDigits(currencyCode: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency: currencyCode }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/**
 * Money as people read it in a message: `1250` EUR is "12.50 EUR", `500` JPY
 * "500 JPY". Integer arithmetic on the minor units, never a float, so no
 * amount is ever rounded.
 */
export function formatMoney({ currencyCode, amountMinor }: Money): string {
  const code = currencyCode.trim().toUpperCase();
  if (!/^-?\d+$/.test(amountMinor)) return `${amountMinor} ${code}`.trim();
  const negative = amountMinor.startsWith('-');
  const digits = minorDigits(code);
  const units = (negative ? amountMinor.slice(1) : amountMinor).replace(/^0+/, '').padStart(digits + 1, '0');
  const whole = units.slice(0, units.length - digits);
  const fraction = digits > 0 ? `.${units.slice(units.length - digits)}` : '';
  const sign = negative && /[1-9]/.test(units) ? '-' : '';
  return `${sign}${whole}${fraction} ${code}`.trim();
}
