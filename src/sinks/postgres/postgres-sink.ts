/**
 * `PostgresSink`: writes batches of events into `am_events`, idempotent on event id, safe for
 * any number of writers (sync runs, ingest servers) sharing one database.
 *
 * A batch is first COPYed straight into `am_events` inside a savepoint: the common case
 * (new events) then costs one COPY. COPY cannot skip duplicates, so when the batch holds an
 * id already stored (a resend after a crash, two servers given the same event) the unique
 * key fails it, the savepoint is rolled back, and the batch goes through a per-connection
 * temporary staging table with `INSERT … SELECT … ON CONFLICT DO NOTHING`. Either way the
 * batch commits whole or not at all.
 *
 * An event PostgreSQL refuses (a data error: a value out of a column's range, text it cannot
 * hold) must not hold back the events after it: the failed batch is split in halves until
 * the refused rows stand alone, the rest is committed, and each refused row is set aside in
 * `am_set_aside` with PostgreSQL's reason (counted in `stats.setAside`, reported through
 * `onSetAside`, listed by `agentmeter db set-aside`). docs/postgres.md.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Pool, PoolClient } from 'pg';
import { AgentmeterError } from '../../model/index.js';
import type { AgentmeterEvent, EventSink, ExportResult } from '../../model/index.js';
import type { EncoderRef } from '../encode-pool.js';
import type { EncodedBatch, EncodingSink } from '../sync.js';
import { isTransientPgError, openPool, sqlState } from './connection.js';
import type { PostgresTarget } from './connection.js';
import { batchDays, copyLine, EVENT_COLUMNS } from './copy-rows.js';
import { LATEST_VERSION, migrationStatus } from './migrations.js';

/** Options of a `PostgresSink`. */
export interface PostgresSinkOptions {
  /** Use this pool (not closed by `shutdown`) instead of opening one from `target`. */
  pool?: Pool;
  /**
   * Told about each batch that had rows set aside. Default: one line on stderr naming the
   * count, the first reason and `agentmeter db set-aside`.
   */
  onSetAside?: (info: SetAsideInfo) => void;
}

/** Rows of one export that PostgreSQL refused and that were set aside in `am_set_aside`. */
export interface SetAsideInfo {
  count: number;
  /** Event ids of the rows set aside. */
  ids: string[];
  /** PostgreSQL's message for the first of them, with its SQLSTATE. */
  reason: string;
}

/** What a `PostgresSink` has written. */
export interface PostgresSinkStats {
  batches: number;
  /** Events in committed batches. */
  events: number;
  /** Rows new to the database. */
  inserted: number;
  /** Events already stored (same id), skipped. */
  duplicates: number;
  /** Batches that needed the staging path because they held stored ids. */
  stagedBatches: number;
  /** Events PostgreSQL refused, set aside in `am_set_aside` (counted in `events` too: they are done with). */
  setAside: number;
}

const COLS = EVENT_COLUMNS.join(', ');
const COPY_DIRECT = `COPY am_events (${COLS}) FROM STDIN`;
const COPY_STAGE = `COPY am_stage (${COLS}) FROM STDIN`;
const CREATE_STAGE = 'CREATE TEMP TABLE IF NOT EXISTS am_stage (LIKE am_events) ON COMMIT DELETE ROWS';
const INSERT_STAGED = `INSERT INTO am_events (${COLS}) SELECT ${COLS} FROM am_stage ON CONFLICT DO NOTHING`;

type CopyFrom = (sql: string) => NodeJS.WritableStream & { rowCount?: number };
let copyFromPromise: Promise<CopyFrom> | undefined;
function loadCopyFrom(): Promise<CopyFrom> {
  copyFromPromise ??= import('pg-copy-streams').then((m) => m.from as unknown as CopyFrom);
  return copyFromPromise;
}

/**
 * An `EventSink` writing into PostgreSQL. The schema must be migrated (`agentmeter db
 * migrate`); an unmigrated database fails exports with `retryable: false`.
 *
 * @example
 * const sink = new PostgresSink({ url: 'postgres://postgres@127.0.0.1/agentmeter' });
 * const r = await sink.export(events);
 * if (!r.ok && r.retryable) setTimeout(retry, r.retryAfterMs ?? 1000);
 * await sink.shutdown();
 */
export class PostgresSink implements EventSink, EncodingSink {
  /** Encodes rows in `syncStore`'s worker threads (`exportEncoded`). */
  readonly encoder: EncoderRef = { module: new URL('./copy-rows.js', import.meta.url).href, exportName: 'encodeEvents', chunkExportName: 'encodeChunk' };
  readonly stats: PostgresSinkStats = { batches: 0, events: 0, inserted: 0, duplicates: 0, stagedBatches: 0, setAside: 0 };
  readonly #onSetAside: (info: SetAsideInfo) => void;
  readonly #target: PostgresTarget | undefined;
  readonly #ownsPool: boolean;
  #pool: Pool | undefined;
  #ready: Promise<void> | undefined;
  readonly #days = new Set<string>();
  #closed = false;

  constructor(target: PostgresTarget | undefined, options: PostgresSinkOptions = {}) {
    if (!target && !options.pool) throw new AgentmeterError('E_PG_BAD_OPTION', 'PostgresSink needs a target or a pool');
    this.#target = target;
    this.#pool = options.pool;
    this.#ownsPool = options.pool === undefined;
    this.#onSetAside =
      options.onSetAside ??
      ((i) => process.stderr.write(`agentmeter: ${i.count} event(s) refused by PostgreSQL and set aside (${i.reason}); list them with agentmeter db set-aside\n`));
  }

  async export(batch: readonly AgentmeterEvent[]): Promise<ExportResult> {
    if (batch.length === 0) return this.#commit([], 0, []);
    let data = '';
    for (const e of batch) data += copyLine(e) ?? '';
    return this.#commit([data], batch.length, batchDays(batch));
  }

  /** Rows already encoded by `encoder` (`encodeEvents`): `keys` are the days they need. */
  exportEncoded(batch: EncodedBatch): Promise<ExportResult> {
    return this.#commit(batch.chunks, batch.count, batch.keys);
  }

  async #commit(chunks: readonly (string | Uint8Array)[], n: number, days: Iterable<string>): Promise<ExportResult> {
    if (this.#closed) return { ok: false, error: new AgentmeterError('E_SINK_CLOSED', 'PostgresSink is shut down'), retryable: false };
    if (n === 0) return { ok: true };
    try {
      const pool = await this.#open();
      await this.#ensurePartitions(pool, days);
      let inserted: number;
      let setAside = 0;
      try {
        inserted = await this.#write(pool, chunks, n);
      } catch (e: unknown) {
        if (!isRowRefusal(e)) throw e;
        const aside: { id: string; reason: string }[] = [];
        const rows = splitRows(chunks);
        const mid = rows.length >>> 1;
        inserted = (await this.#writeOrSetAside(pool, rows.slice(0, mid), e, aside)) + (await this.#writeOrSetAside(pool, rows.slice(mid), e, aside));
        setAside = aside.length;
        this.stats.setAside += setAside;
        if (setAside > 0) {
          try {
            this.#onSetAside({ count: setAside, ids: aside.map((a) => a.id), reason: aside[0]?.reason ?? '' });
          } catch {
            // A broken listener must not fail a committed batch.
          }
        }
      }
      this.stats.batches++;
      this.stats.events += n;
      this.stats.inserted += inserted;
      this.stats.duplicates += n - inserted - setAside;
      return { ok: true };
    } catch (e: unknown) {
      // A partition dropped by retention meanwhile: forget what we know and let a retry create it.
      if (sqlState(e) === '23514') this.#days.clear();
      const error = e instanceof Error ? e : new Error(String(e));
      const retryable = sqlState(e) === '23514' || isTransientPgError(e);
      // No wait of its own: the caller's one retry policy (sync's backoff) applies.
      return { ok: false, error, retryable };
    }
  }

  async flush(): Promise<void> {
    // Every export commits before it resolves: nothing is held.
  }

  async shutdown(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsPool && this.#pool) await this.#pool.end().catch(() => undefined);
  }

  #open(): Promise<Pool> {
    this.#ready ??= (async () => {
      this.#pool ??= await openPool(this.#target as PostgresTarget);
      const st = await migrationStatus(this.#pool);
      if (st.current < LATEST_VERSION) {
        throw new AgentmeterError(
          'E_PG_NOT_MIGRATED',
          `the database schema is at version ${st.current}, this agentmeter needs ${LATEST_VERSION}: run \`agentmeter db migrate --to <url>\``,
        );
      }
    })();
    // A failed check is tried again by the next export.
    this.#ready.catch(() => (this.#ready = undefined));
    return this.#ready.then(() => this.#pool as Pool);
  }

  async #ensurePartitions(pool: Pool, days: Iterable<string>): Promise<void> {
    for (const day of days) {
      if (this.#days.has(day)) continue;
      await pool.query('SELECT am_ensure_partition($1::date)', [day]);
      this.#days.add(day);
    }
  }

  /**
   * Write `rows` (COPY lines without `\n`); when PostgreSQL refuses one of them, halve until
   * each refused row stands alone and set it aside. Returns the rows inserted. A retry after
   * a later failure finds the committed halves as duplicates and the set-aside rows again.
   */
  async #writeOrSetAside(pool: Pool, rows: readonly string[], refusal: unknown, aside: { id: string; reason: string }[]): Promise<number> {
    if (rows.length === 0) return 0;
    if (rows.length === 1) {
      // The single row is known to fail only when it is the whole of a failed write.
      try {
        return await this.#write(pool, [`${rows[0] as string}\n`], 1);
      } catch (e: unknown) {
        if (!isRowRefusal(e)) throw e;
        await this.#setAside(pool, rows[0] as string, e, aside);
        return 0;
      }
    }
    try {
      return await this.#write(pool, [`${rows.join('\n')}\n`], rows.length);
    } catch (e: unknown) {
      if (!isRowRefusal(e)) throw e;
      const mid = rows.length >>> 1;
      return (await this.#writeOrSetAside(pool, rows.slice(0, mid), refusal, aside)) + (await this.#writeOrSetAside(pool, rows.slice(mid), refusal, aside));
    }
  }

  async #setAside(pool: Pool, row: string, e: unknown, aside: { id: string; reason: string }[]): Promise<void> {
    const tab = row.indexOf('\t');
    const id = tab > 0 ? row.slice(0, tab) : row.slice(0, 64);
    const state = sqlState(e) ?? '';
    const message = e instanceof Error ? e.message : String(e);
    await pool.query(
      'INSERT INTO am_set_aside (id, sqlstate, error, row_text) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET sqlstate = EXCLUDED.sqlstate, error = EXCLUDED.error',
      [id, state, message, row],
    );
    aside.push({ id, reason: `${message} (${state})` });
  }

  async #write(pool: Pool, data: readonly (string | Uint8Array)[], n: number): Promise<number> {
    const copyFrom = await loadCopyFrom();
    const c = await pool.connect();
    let broken: Error | undefined;
    try {
      await c.query('BEGIN');
      try {
        await c.query('SAVEPOINT direct');
        await copy(c, copyFrom(COPY_DIRECT), data);
        await c.query('COMMIT');
        return n;
      } catch (e: unknown) {
        if (sqlState(e) !== '23505') throw e;
      }
      this.stats.stagedBatches++;
      await c.query('ROLLBACK TO SAVEPOINT direct');
      // Created in the transaction that uses it (a no-op when the session has it), so a
      // transaction-pooling proxy (PgBouncer) that changes sessions between transactions works.
      await c.query(CREATE_STAGE);
      await copy(c, copyFrom(COPY_STAGE), data);
      const r = await c.query(INSERT_STAGED);
      await c.query('COMMIT');
      return r.rowCount ?? 0;
    } catch (e: unknown) {
      await c.query('ROLLBACK').catch(() => undefined);
      if (sqlState(e) === undefined) broken = e instanceof Error ? e : new Error(String(e));
      throw e;
    } finally {
      c.release(broken);
    }
  }
}

/**
 * Whether PostgreSQL refused the data of some row rather than the write as a whole: a data
 * exception (class 22: out of range, bad text or JSON), an integrity violation other than a
 * duplicate id (23505, handled) or a missing partition (23514, retried), or a value over a
 * limit (54000: e.g. a jsonb too large).
 */
export function isRowRefusal(e: unknown): boolean {
  const state = sqlState(e);
  if (state === undefined) return false;
  return state.startsWith('22') || (state.startsWith('23') && state !== '23505' && state !== '23514') || state === '54000';
}

/** COPY chunks (strings or UTF-8 bytes of whole lines) as rows without their `\n`. */
function splitRows(chunks: readonly (string | Uint8Array)[]): string[] {
  const rows: string[] = [];
  for (const c of chunks) {
    const text = typeof c === 'string' ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength).toString('utf8');
    for (const r of text.split('\n')) if (r !== '') rows.push(r);
  }
  return rows;
}

async function copy(c: PoolClient, stream: NodeJS.WritableStream, data: readonly (string | Uint8Array)[]): Promise<void> {
  const q = c.query(stream as never) as unknown as NodeJS.WritableStream;
  await pipeline(Readable.from(data), q);
}
