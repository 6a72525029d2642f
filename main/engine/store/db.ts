import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../common/errors.js';
import * as m001 from './migrations/001-initial.js';
import * as m002 from './migrations/002-latest-metrics-nan-index.js';
import * as m003 from './migrations/003-history.js';
import * as m004 from './migrations/004-runs-search-index.js';

export type Db = Database.Database;

/** Numbered migrations; PRAGMA user_version records how many are applied. Never edit one once released. */
const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  { version: 1, name: 'initial', sql: m001.sql },
  { version: 2, name: 'latest-metrics-nan-index', sql: m002.sql },
  { version: 3, name: 'history', sql: m003.sql },
  { version: 4, name: 'runs-search-index', sql: m004.sql },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Opens (creating if needed) the history database: WAL, foreign keys, busy timeout, migrations. */
export function openDatabase(file: string): Db {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let db: Db;
  try {
    db = new Database(file);
  } catch (e) {
    throw new AppError('STORE_ERROR', `Cannot open the run history at ${file}: ${(e as Error).message}`);
  }
  try {
    // The busy timeout first: several processes may open a new history at the same moment.
    db.pragma('busy_timeout = 10000');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // 64 MiB of page cache (SQLite's default is 2 MiB): a search over 100,000 runs touches ~20 MB of
    // index pages, which then stay in memory between the history table's queries.
    db.pragma('cache_size = -65536');
    migrate(db, file);
    // Planner statistics (a param filter should start from the param index, not scan every run):
    // bounded ANALYZE work, run now for tables whose statistics are missing or stale.
    db.pragma('analysis_limit = 1000');
    db.pragma('optimize = 0x10002');
  } catch (e) {
    db.close();
    if (e instanceof AppError) throw e;
    throw new AppError('STORE_ERROR', `Cannot use the run history at ${file}: ${(e as Error).message}`);
  }
  return db;
}

function migrate(db: Db, file: string): void {
  const version = () => db.pragma('user_version', { simple: true }) as number;
  const tooNew = (v: number) =>
    new AppError(
      'STORE_ERROR',
      `The run history at ${file} has schema version ${v}, newer than this Baton understands (${SCHEMA_VERSION}). Upgrade Baton.`,
    );
  if (version() > SCHEMA_VERSION) throw tooNew(version());
  if (version() === SCHEMA_VERSION) return;
  // All pending migrations and the version bump commit together under a write lock, and the version
  // is read again inside it: of several processes opening a new history at once, one migrates and
  // the others then find nothing to do. A crash leaves the previous version intact.
  db.transaction(() => {
    const current = version();
    if (current > SCHEMA_VERSION) throw tooNew(current);
    for (const mig of MIGRATIONS) {
      if (mig.version <= current) continue;
      db.exec(mig.sql);
      db.pragma(`user_version = ${mig.version}`);
    }
  }).immediate();
}
