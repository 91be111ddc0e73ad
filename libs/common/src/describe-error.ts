/**
 * The one way an error reaches a log line or a stored failure reason: its class, its code
 * (SQLSTATE for database errors) and, for failed SQL, the statement's shape (verb and table),
 * never the statement itself, its parameters or any value. Database drivers put the whole
 * statement with inlined values in the message (MikroORM/knex: "<sql> - <reason>"); quoted
 * values in reasons and messages (`invalid input syntax for type uuid: "…"`) are masked too,
 * while the names of database objects (`column "name" of relation "leads"`) are kept.
 */
export function describeError(error: unknown): string {
  const e = unwrap(error);
  if (!(e instanceof Object)) return mask(String(e));
  const { name, code } = fieldsOf(e);
  // MikroORM appends the server's detail and hint ("Failing row contains (…values…)", "Key (email)=(…)"): dropped.
  const message = fieldsOf(e).message.replace(/\n - (detail|hint): [\s\S]*$/, '');
  const sql = splitStatement(message);
  const declared = (e as { sqlState?: unknown }).sqlState;
  const sqlState = typeof declared === 'string' ? declared : code && SQLSTATE.test(code) ? code : undefined;
  if (sql || sqlState) {
    const shape = sql ? ` (${statementShape(sql.statement)})` : '';
    return clip(`${name}${sqlState ? ` ${sqlState}` : ''}${shape}: ${mask(sql?.reason ?? message)}`);
  }
  return clip(`${name}${code ? ` ${code}` : ''}: ${mask(message)}`);
}

/** The stack frames of an error without its message line(s), which may hold values. */
export function stackFrames(error: unknown): string | undefined {
  const stack = (error as { stack?: unknown } | null)?.stack;
  if (typeof stack !== 'string') return undefined;
  const frames = stack.split('\n').filter((line) => /^\s+at /.test(line));
  return frames.length ? frames.join('\n') : undefined;
}

/** The verb and main table of a SQL statement (`update leads`, `select from users`), no values. */
export function statementShape(sql: string): string {
  const text = sql.trim().replace(/\s+/g, ' ');
  const verb =
    /^(with|select|insert|update|delete|create|alter|drop|truncate|grant|revoke|copy|do|set|begin|commit|rollback|savepoint|release)\b/i
      .exec(text)?.[1]
      ?.toLowerCase() ?? 'sql';
  const table = (pattern: RegExp) => pattern.exec(text)?.[1]?.replace(/"/g, '');
  const name = '((?:"[^"]+"|[a-z_][a-z0-9_$]*)(?:\\.(?:"[^"]+"|[a-z_][a-z0-9_$]*))?)';
  switch (verb) {
    case 'insert':
      return `insert into ${table(new RegExp(`^insert into ${name}`, 'i')) ?? '?'}`;
    case 'update':
      return `update ${table(new RegExp(`^update (?:only )?${name}`, 'i')) ?? '?'}`;
    case 'delete':
      return `delete from ${table(new RegExp(`^delete from (?:only )?${name}`, 'i')) ?? '?'}`;
    case 'select':
    case 'with': {
      const from = table(new RegExp(` from ${name}`, 'i'));
      return from ? `${verb} from ${from}` : verb;
    }
    case 'create':
    case 'alter':
    case 'drop':
    case 'truncate': {
      const what =
        /^\w+ (?:unique )?(table|index|role|database|sequence|function|trigger|view|schema|type|extension)\b/i
          .exec(text)?.[1]
          ?.toLowerCase();
      return what ? `${verb} ${what}` : verb;
    }
    default:
      return verb;
  }
}

const SQLSTATE = /^[0-9A-Z]{5}$/;
const SQL_START = /^\s*(with|select|insert|update|delete|create|alter|drop|truncate|grant|revoke|copy|do|set)\s/i;
// Names of database objects in PostgreSQL's reasons: kept; any other quoted text is a value.
const OBJECT_WORDS =
  /(?:column|relation|table|constraint|index|schema|database|role|function|sequence|type|trigger|view|extension|operator|savepoint|cursor|prepared statement|of relation|for relation|on table)\s+$/i;
const EMAIL = /[^\s"'<>()@,;:]+@[^\s"'<>()@,;:]+\.[a-z]{2,}/gi;

function unwrap(error: unknown): unknown {
  // A wrapper without details of its own (an error with a cause): describe the cause.
  let current = error as { cause?: unknown; code?: unknown; sqlState?: unknown } | undefined;
  for (let depth = 0; current instanceof Object && depth < 4; depth++) {
    if (current.code !== undefined || current.sqlState !== undefined || !(current.cause instanceof Error))
      return current;
    current = current.cause as typeof current;
  }
  return current;
}

function fieldsOf(e: object): { name: string; code?: string; message: string } {
  const record = e as { name?: unknown; code?: unknown; message?: unknown; constructor?: { name?: string } };
  const name =
    typeof record.name === 'string' && record.name !== 'error' ? record.name : (record.constructor?.name ?? 'Error');
  const code = typeof record.code === 'string' || typeof record.code === 'number' ? String(record.code) : undefined;
  const message = typeof record.message === 'string' ? record.message : String(e);
  return { name: name === 'Object' ? 'Error' : name, code, message };
}

/** knex/MikroORM: "<statement> - <reason>". */
function splitStatement(message: string): { statement: string; reason: string } | undefined {
  if (!SQL_START.test(message)) return undefined;
  const cut = message.lastIndexOf(' - ');
  return cut > 0
    ? { statement: message.slice(0, cut), reason: message.slice(cut + 3) }
    : { statement: message, reason: '(no reason given)' };
}

/** Masks quoted values (keeping quoted object names), e-mail addresses, hashes and long digit runs. */
function mask(text: string): string {
  let out = text.replace(/'(?:[^']|'')*'/g, "'?'");
  out = out.replace(/"((?:[^"]|"")*)"/g, (whole, _inner: string, offset: number) =>
    OBJECT_WORDS.test(out.slice(Math.max(0, offset - 40), offset)) ? whole : '"?"',
  );
  out = out
    .replace(EMAIL, '?@?')
    .replace(/\$argon2[a-z]*\$[^\s"']+/gi, '?')
    .replace(/\b\d{6,}\b/g, '?');
  return out.replace(/\s+/g, ' ').trim();
}

function clip(text: string): string {
  return text.length > 500 ? `${text.slice(0, 497)}…` : text;
}
