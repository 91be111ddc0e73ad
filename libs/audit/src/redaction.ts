/** Fields whose values never reach the audit trail; a change to them is noted as redacted. */
const SECRET_FIELD = /pass(word)?|secret|token|hash|api[-_]?key|authorization|cookie/i;

/** Fields that change on every write and say nothing about the change. */
const NOISE = new Set(['updatedAt', 'createdAt']);

export const REDACTED = '[redacted]';

export function isSecretField(name: string): boolean {
  return SECRET_FIELD.test(name);
}

export function isNoise(name: string): boolean {
  return NOISE.has(name);
}

/** Deep-redacts a JSON-able value: any key that looks like a secret keeps only the marker. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isSecretField(k) ? REDACTED : redact(v)]));
  }
  return value;
}
