/** ISO-4217 codes Node knows (Intl), so a typo like "USDD" or "usd" is a 400. */
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export function isCurrency(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Z]{3}$/.test(value) && CURRENCIES.has(value);
}

/** Decimal strings with up to 12 integer digits and 2 decimals; never floats. */
export const AMOUNT_PATTERN = /^(0|[1-9]\d{0,11})(\.\d{1,2})?$/;

/** "12500" → "12500.00", "3.5" → "3.50" (string arithmetic, no float). */
export function normalizeAmount(value: string): string {
  const [whole, fraction = ''] = value.split('.');
  return `${whole}.${fraction.padEnd(2, '0')}`;
}

/** An amount as the API answers it: always two decimals (`"12500.00"`). */
export const AMOUNT_SCHEMA_PATTERN = '^(0|[1-9]\\d{0,11})\\.\\d{2}$';
