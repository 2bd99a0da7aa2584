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
  readonly stats: PostgresSinkStats = { batches: 0, events: 0, inserted: 0, duplicates: 0, stagedBatches: 0 };
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
      const inserted = await this.#write(pool, chunks, n);
      this.stats.batches++;
      this.stats.events += n;
      this.stats.inserted += inserted;
      this.stats.duplicates += n - inserted;
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

async function copy(c: PoolClient, stream: NodeJS.WritableStream, data: readonly (string | Uint8Array)[]): Promise<void> {
  const q = c.query(stream as never) as unknown as NodeJS.WritableStream;
  await pipeline(Readable.from(data), q);
}
