import { Transform } from 'class-transformer';

/**
 * The one spelling of an e-mail address that identifies an account: Unicode NFKC (which also
 * composes NFD into NFC and folds compatibility look-alikes such as full-width `ａｄｍｉｎ＠ｘ.ｔｅｓｔ`
 * into `admin@x.test`), then lower case. Every uniqueness check, store and sign-in lookup uses it.
 */
export function normalizeEmail(email: string): string {
  return email.normalize('NFKC').toLowerCase().normalize('NFKC');
}

/** Normalises an e-mail field before it is validated, so the DTO holds the stored spelling. */
export function NormalizedEmail(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? normalizeEmail(value) : value));
}
