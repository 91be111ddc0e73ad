import { InvalidFieldNameException, UniqueConstraintViolationException } from '@mikro-orm/core';
import { describeError, stackFrames, statementShape } from './describe-error';

function driverError(message: string, code: string): Error {
  return Object.assign(new Error(message), {
    code,
    severity: 'ERROR',
    detail: 'Key (email)=(bob@secret.test) already exists.',
  });
}

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo';

describe('describeError', () => {
  it('gives the exception class, SQLSTATE and statement shape of failed SQL, never its values', () => {
    const error = new InvalidFieldNameException(
      driverError(
        `update "leads" set "name" = 'Top Secret Lead', "email" = 'bob@secret.test' where "id" = 'f3c1b7a2-5d6e-4f80-9a1b-2c3d4e5f6a7b' - column "name" of relation "leads" does not exist`,
        '42703',
      ),
    );
    const text = describeError(error);
    expect(text).toBe(
      'InvalidFieldNameException 42703 (update leads): column "name" of relation "leads" does not exist',
    );
  });

  it('keeps password hashes, names and e-mails of an insert out', () => {
    const error = new UniqueConstraintViolationException(
      driverError(
        `insert into "users" ("email", "name", "password_hash") values ('bob@secret.test', 'Bob Secret', '${HASH}') - duplicate key value violates unique constraint "users_email_unique"`,
        '23505',
      ),
    );
    const text = describeError(error);
    expect(text).toBe(
      'UniqueConstraintViolationException 23505 (insert into users): duplicate key value violates unique constraint "users_email_unique"',
    );
    for (const value of ['bob@secret.test', 'Bob Secret', HASH, 'argon2']) expect(text).not.toContain(value);
  });

  it('drops the detail and hint MikroORM appends (they repeat the row or key values)', () => {
    const error = new Error(
      `update "users" set "name" = 'Bob Secret' where "id" = '1' - new row for relation "users" violates check constraint "users_frozen"\n - detail: Failing row contains (1, bob@secret.test, Bob Secret, staff)\n - hint: Bob`,
    );
    Object.assign(error, { code: '23514' });
    expect(describeError(error)).toBe(
      'Error 23514 (update users): new row for relation "users" violates check constraint "users_frozen"',
    );
  });

  it('masks a value quoted in the reason of a plain driver error and keeps the SQLSTATE', () => {
    const text = describeError(driverError('invalid input syntax for type uuid: "secret-not-a-uuid"', '22P02'));
    expect(text).toBe('Error 22P02: invalid input syntax for type uuid: "?"');
  });

  it('names the table of a select and of a delete', () => {
    expect(statementShape('select "l0".* from "leads" as "l0" where "l0"."id" = \'x\' limit 1')).toBe(
      'select from leads',
    );
    expect(statementShape('delete from "public"."deals" where "id" in (\'a\')')).toBe('delete from public.deals');
    expect(statementShape('ALTER ROLE "t1" LOGIN PASSWORD \'clear-text\'')).toBe('alter role');
  });

  it('masks quoted values, e-mails and passwords in any other error message', () => {
    const text = describeError(new Error(`ALTER ROLE x PASSWORD 'clear-secret' failed for alice@corp.test`));
    expect(text).not.toMatch(/clear-secret|alice@corp\.test/);
    expect(describeError(new TypeError('Cannot read properties of undefined'))).toBe(
      'TypeError: Cannot read properties of undefined',
    );
    expect(describeError("just a string with 'secret'")).toBe("just a string with '?'");
  });

  it('describes the cause of a wrapper that has no code of its own', () => {
    const wrapped = new Error('step failed', { cause: driverError('relation "leads" does not exist', '42P01') });
    expect(describeError(wrapped)).toBe('Error 42P01: relation "leads" does not exist');
  });

  it('keeps only the stack frames, not the message line that may hold values', () => {
    const error = new InvalidFieldNameException(
      driverError(`update "leads" set "name" = 'Top Secret Lead' - boom`, '42703'),
    );
    const frames = stackFrames(error)!;
    expect(frames).toMatch(/^\s+at /);
    expect(frames).not.toContain('Top Secret Lead');
    expect(stackFrames('no stack')).toBeUndefined();
  });
});
