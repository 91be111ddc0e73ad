import { isEmail, isIn, isInt, isNumber, matches, max, maxLength, min, minLength } from 'class-validator';
import { resolve } from 'node:path';

/** A variable's text that does not parse. The message never repeats the text: it may be a secret. */
export class InvalidValue extends Error {}

/** Where the environment is read: relative paths resolve against `cwd`. */
export interface ReadContext {
  cwd: string;
}

/** Turns a variable's text into its value, or throws InvalidValue saying what the text must be. */
export type Parser<T> = (text: string, context: ReadContext) => T;

/** What reading one variable gave: its value and, when NODE_ENV=production refuses it, why. */
export interface Reading<T> {
  value: T;
  productionProblem?: string;
}

/** What a tree of variables holds, whatever their types. */
export interface ConfigVariable {
  readonly name: string;
  read(env: NodeJS.ProcessEnv, context: ReadContext): Reading<unknown>;
}

/** One environment variable: its name, its parser (type and validation), its default and its production rule. */
export class EnvVariable<T> implements ConfigVariable {
  constructor(
    readonly name: string,
    private readonly parse: Parser<T>,
    /** The text used when the variable is unset or empty; it goes through the parser like any other. */
    private readonly defaultText?: string,
    private readonly production?: (value: T) => string | undefined,
  ) {}

  /** The same variable, refused when NODE_ENV=production and `rule` names a problem with its value. */
  inProduction(rule: (value: T) => string | undefined): EnvVariable<T> {
    return new EnvVariable(this.name, this.parse, this.defaultText, rule);
  }

  /** The same variable, which NODE_ENV=production requires. */
  requiredInProduction(): EnvVariable<T> {
    return this.inProduction((value) => (value === undefined ? 'must be set' : undefined));
  }

  read(env: NodeJS.ProcessEnv, context: ReadContext): Reading<T> {
    const given = env[this.name];
    const text = given === undefined || given === '' ? this.defaultText : given;
    const value = (text === undefined ? undefined : this.parse(text, context)) as T;
    return { value, productionProblem: this.production?.(value) };
  }
}

/** A variable with a default: its value is always there. */
export function variable<T>(name: string, parse: Parser<T>, defaultText: string): EnvVariable<T>;
/** A variable without a default: undefined when unset. */
export function variable<T>(name: string, parse: Parser<T>): EnvVariable<T | undefined>;
export function variable<T>(name: string, parse: Parser<T>, defaultText?: string): EnvVariable<T | undefined> {
  return new EnvVariable<T | undefined>(name, parse, defaultText);
}

/* The parsers. Their messages are those of the class-validator checks they use. */

function within(value: number, least: number, most: number): number {
  if (!min(value, least)) throw new InvalidValue(`must not be less than ${least}`);
  if (!max(value, most)) throw new InvalidValue(`must not be greater than ${most}`);
  return value;
}

/** Digits, optionally signed, optionally padded with spaces. */
export const integer =
  (least: number, most: number): Parser<number> =>
  (text) => {
    const value = /^-?\d+$/.test(text.trim()) ? Number(text) : NaN;
    if (!isInt(value)) throw new InvalidValue('must be an integer number');
    return within(value, least, most);
  };

/** An unsigned decimal such as `0.8` or `.5`. */
export const decimal =
  (least: number, most: number, message: string): Parser<number> =>
  (text) => {
    const value = /^\d*\.?\d+$/.test(text) ? Number(text) : NaN;
    if (!isNumber(value)) throw new InvalidValue(message);
    return within(value, least, most);
  };

/** true/1/yes/on or false/0/no/off, in any case. */
export const boolean: Parser<boolean> = (text) => {
  const word = text.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(word)) return true;
  if (['false', '0', 'no', 'off'].includes(word)) return false;
  throw new InvalidValue('must be true or false');
};

export const oneOf =
  <const V extends string>(
    values: readonly V[],
    message = `must be one of the following values: ${values.join(', ')}`,
  ): Parser<V> =>
  (text) => {
    if (!isIn(text, values)) throw new InvalidValue(message);
    return text as V;
  };

export const matching =
  (pattern: RegExp, message: string): Parser<string> =>
  (text) => {
    if (!matches(text, pattern)) throw new InvalidValue(message);
    return text;
  };

export const email =
  (message: string): Parser<string> =>
  (text) => {
    if (!isEmail(text, {})) throw new InvalidValue(message);
    return text;
  };

/** Any text; `least` and `most` count characters (a surrogate pair is one). */
export const text =
  (length: { least?: number; most?: number } = {}): Parser<string> =>
  (value) => {
    if (length.least !== undefined && !minLength(value, length.least))
      throw new InvalidValue(`must be at least ${length.least} characters`);
    if (length.most !== undefined && !maxLength(value, length.most))
      throw new InvalidValue(`must be shorter than or equal to ${length.most} characters`);
    return value;
  };

/** Comma-separated items, the whole matching `pattern`; the empty text is the empty list. */
export const list =
  (pattern: RegExp, message: string): Parser<string[]> =>
  (value) => {
    if (value === '') return [];
    if (!matches(value, pattern)) throw new InvalidValue(message);
    return value.split(',').map((item) => item.trim());
  };

/** A file or folder, relative to the working directory unless absolute. */
export const path: Parser<string> = (value, context) => resolve(context.cwd, value);

/** `parse`, then `then` on its value. */
export const map =
  <T, U>(parse: Parser<T>, then: (value: T) => U): Parser<U> =>
  (value, context) =>
    then(parse(value, context));

const DURATION = /^(\d{1,9})(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Comma-separated durations such as `5s,5m,2h` (units ms, s, m, h, d), each within `most` ms, in milliseconds. */
export const durations =
  (least: number, most: number, count: { least: number; most: number }): Parser<number[]> =>
  (value) => {
    const items = value.split(',').map((item) => item.trim());
    if (items.length < count.least || items.length > count.most) {
      throw new InvalidValue(`must list ${count.least} to ${count.most} durations`);
    }
    return items.map((item) => {
      const match = DURATION.exec(item);
      if (!match) throw new InvalidValue('must be comma-separated durations such as 5s,5m,2h (ms, s, m, h or d)');
      const ms = Number(match[1]) * UNIT_MS[match[2]];
      if (ms < least || ms > most) throw new InvalidValue(`each duration must be between ${least} ms and ${most} ms`);
      return ms;
    });
  };
