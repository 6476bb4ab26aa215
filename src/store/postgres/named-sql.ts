import type { QueryResultRow } from 'pg';
import { KeelError } from '../../errors/index.ts';

/** A result row as `pg` returns it: column name to parsed value. */
export type Row = QueryResultRow;

/** What a query runs on: the pool (one implicit transaction per statement) or a checked-out client. */
export interface Queryable {
  query<R extends QueryResultRow>(config: { name?: string; text: string; values?: unknown[] }): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** A statement written with `:name` parameters, compiled once to PostgreSQL's `$n`. */
export interface NamedStatement {
  /** Set for hot statements: `pg` then prepares them once per connection. */
  name: string | undefined;
  text: string;
  parameters: readonly string[];
}

// `:name`, but not the second colon of a `::type` cast, nor a colon inside a word.
const placeholder = /(?<![:\w]):([a-z_][a-z0-9_]*)/g;

/**
 * Compiles SQL written with named parameters (`:run_id`) into `$1 …` and the order to bind
 * values in. Named parameters keep statements of twenty parameters readable, and let the SQL of
 * both adapters look alike; a parameter used twice is bound once.
 *
 * @example
 * const getRun = namedSql('SELECT * FROM runs WHERE tenant_id = :tenant_id AND id = :id');
 * const rows = await query(pool, getRun, { tenant_id: 'tenant-a', id: 'run-1' });
 */
export function namedSql(sql: string, options: { prepare?: string } = {}): NamedStatement {
  const parameters: string[] = [];
  const text = sql.replace(placeholder, (_match, name: string) => {
    let index = parameters.indexOf(name);
    if (index === -1) index = parameters.push(name) - 1;
    return `$${index + 1}`;
  });
  return { name: options.prepare, text, parameters };
}

/** Runs a named statement with its values; every parameter must be given (`null` for SQL NULL). */
export async function query(db: Queryable, statement: NamedStatement, values: Record<string, unknown> = {}): Promise<Row[]> {
  return (await submit(db, statement, values)).rows;
}

/** Runs a statement for its effect; returns how many rows it wrote. */
export async function execute(db: Queryable, statement: NamedStatement, values: Record<string, unknown> = {}): Promise<number> {
  return (await submit(db, statement, values)).rowCount ?? 0;
}

async function submit(db: Queryable, statement: NamedStatement, values: Record<string, unknown>): Promise<{ rows: Row[]; rowCount: number | null }> {
  const bound = statement.parameters.map((parameter) => {
    const value = values[parameter];
    // A missing value is a bug in this adapter, never something to send as NULL silently.
    if (value === undefined) throw new KeelError({ code: 'INTERNAL', message: `No value for SQL parameter :${parameter}` });
    return value;
  });
  return await db.query<Row>({ ...(statement.name === undefined ? {} : { name: statement.name }), text: statement.text, values: bound });
}

/** The only row of a statement that must return one. */
export async function queryOne(db: Queryable, statement: NamedStatement, values: Record<string, unknown> = {}): Promise<Row> {
  const [row] = await query(db, statement, values);
  if (row === undefined) throw new KeelError({ code: 'INTERNAL', message: 'A statement returned no row' });
  return row;
}
