// Helpers every table module uses.
import type Database from 'better-sqlite3';
import type { Store } from './store.ts';

const statements = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** `db.prepare(sql)`, compiled once per connection: metrics are recorded every few steps. */
export function prepared(store: Store, sql: string): Database.Statement {
  let cache = statements.get(store.db);
  if (!cache) statements.set(store.db, (cache = new Map()));
  let statement = cache.get(sql);
  if (!statement) cache.set(sql, (statement = store.db.prepare(sql)));
  return statement;
}

/** Timestamps are stored as ISO 8601 UTC text: readable in the file and sortable as text. */
export function nowIso(): string {
  return new Date().toISOString();
}
