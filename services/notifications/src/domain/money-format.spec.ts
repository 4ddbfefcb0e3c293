import assert from 'node:assert/strict';
import { formatMoney } from './money-format';

describe('formatMoney', () => {
  it("writes minor units with the currency's decimals and its code", () => {
    assert.equal(formatMoney({ currencyCode: 'EUR', amountMinor: '1250' }), '12.50 EUR');
    assert.equal(formatMoney({ currencyCode: 'USD', amountMinor: '5' }), '0.05 USD');
    assert.equal(formatMoney({ currencyCode: 'EUR', amountMinor: '0' }), '0.00 EUR');
  });

  it('knows currencies without cents and with three decimals', () => {
    assert.equal(formatMoney({ currencyCode: 'JPY', amountMinor: '500' }), '500 JPY');
    assert.equal(formatMoney({ currencyCode: 'KWD', amountMinor: '12345' }), '12.345 KWD');
  });

  it('never rounds: amounts beyond what a float holds stay exact', () => {
    assert.equal(formatMoney({ currencyCode: 'EUR', amountMinor: '9007199254740993' }), '90071992547409.93 EUR');
  });

  it('keeps the sign of a negative amount and drops leading zeros', () => {
    assert.equal(formatMoney({ currencyCode: 'EUR', amountMinor: '-1250' }), '-12.50 EUR');
    assert.equal(formatMoney({ currencyCode: 'EUR', amountMinor: '-0' }), '0.00 EUR');
    assert.equal(formatMoney({ currencyCode: 'EUR', amountMinor: '000750' }), '7.50 EUR');
  });

  it('falls back to two decimals for a code it does not know, and upper-cases the code', () => {
    assert.equal(formatMoney({ currencyCode: 'eur', amountMinor: '1250' }), '12.50 EUR');
    assert.equal(formatMoney({ currencyCode: 'ZZ', amountMinor: '1250' }), '12.50 ZZ');
    assert.equal(formatMoney({ currencyCode: '', amountMinor: '1250' }), '12.50');
  });

  it('shows an amount that is not a whole number of minor units as it came', () => {
    assert.equal(formatMoney({ currencyCode: 'EUR', amountMinor: '12.5' }), '12.5 EUR');
  });
});
