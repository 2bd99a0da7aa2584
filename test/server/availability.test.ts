/**
 * One large request must not stop the others: bodies are held within a budget across
 * requests (503 with Retry-After past it), and a large body is parsed, checked and
 * redacted off the event loop (in the built package's worker thread).
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/index.js';
import type * as ServerApi from '../../src/server/body-work.js';
import { createLocalSink, scanEvents } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';

const DIST = resolve(import.meta.dirname, '../../dist/server');

let seq = 0;
function line(pad = 0): string {
  seq++;
  const id = `01934a2b-0000-7000-8000-${String(seq).padStart(12, '0')}`;
  return JSON.stringify({
    v: 1, id, ts: '2025-01-02T03:04:05.678Z', type: 'span', span_id: id, run_id: id, env: 'test', kind: 'agent', name: 'coding',
    parent_id: null, start_ts: '2025-01-02T03:04:05.000Z', duration_ms: 678, status: 'failure',
    attrs: { 'gen_ai.agent.name': 'coding', 'error.message': `failed with token=abcdefgh${String(seq).padStart(8, '0')} ${'x'.repeat(pad)}` },
  });
}

/** A request whose body arrives only when `finish` is called. */
function heldRequest(bytes: Buffer): { req: Request; finish: () => void } {
  let finish = (): void => undefined;
  const body = new ReadableStream<Uint8Array>({
    start(ctl) {
      finish = () => {
        ctl.enqueue(bytes);
        ctl.close();
      };
    },
  });
  const req = new Request('http://127.0.0.1/v1/events', { method: 'POST', body, headers: { 'content-length': String(bytes.length), 'content-type': 'application/x-ndjson' }, duplex: 'half' } as RequestInit);
  return { req, finish };
}

describe('bodies held across requests', () => {
  it('past the budget a request gets 503 with Retry-After before its body is read; health and later requests are answered', async () => {
    const root = tempDir();
    const sink = createLocalSink({ root, durability: 'flush' });
    const app = createApp({ sink, maxBodyBytes: 1024 * 1024, maxInFlightBodyBytes: 2 * 1024 * 1024 });
    const body = Buffer.from(Array.from({ length: 1000 }, () => line(500)).join('\n'));
    expect(body.length).toBeLessThan(1024 * 1024);
    expect(body.length).toBeGreaterThan(700 * 1024);
    const a = heldRequest(body);
    const b = heldRequest(body);
    const pa = app.fetch(a.req);
    const pb = app.fetch(b.req);
    // Both bodies are now held, unread; a third would pass the budget.
    await new Promise<void>((r) => setImmediate(r));
    const c = heldRequest(body);
    const busy = await app.fetch(c.req);
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('1');
    expect(((await busy.json()) as { error: string }).error).toMatch(/retry shortly/);
    expect((await app.fetch(new Request('http://127.0.0.1/healthz'))).status).toBe(200);
    a.finish();
    b.finish();
    expect((await pa).status).toBe(200);
    expect((await pb).status).toBe(200);
    // Released: the next request is taken.
    const d = heldRequest(body);
    const pd = app.fetch(d.req);
    d.finish();
    expect((await pd).status).toBe(200);
    await sink.shutdown();
    let n = 0;
    await scanEvents({ root, onEvent: () => n++ });
    expect(n).toBe(3000);
  });
});

describe('large bodies off the event loop', () => {
  it('the event loop keeps turning while a large body is parsed, checked and redacted, and the result is the same', async () => {
    const { BodyWork } = (await import(pathToFileURL(join(DIST, 'body-work.js')).href)) as typeof ServerApi;
    const { createRedactor } = (await import(pathToFileURL(resolve(DIST, '../model/redact.js')).href)) as typeof import('../../src/model/redact.js');
    const redact = createRedactor();
    const body = Buffer.from(Array.from({ length: 6000 }, () => line(300)).join('\n'));
    expect(body.length).toBeGreaterThan(2 * 1024 * 1024);
    const offloaded = new BodyWork(redact);
    const inline = new BodyWork(redact, Number.MAX_SAFE_INTEGER);
    const count = async (run: () => Promise<unknown>): Promise<{ turns: number; value: unknown }> => {
      let turns = 0;
      let done = false;
      const tick = (): void => {
        if (done) return;
        turns++;
        setImmediate(tick);
      };
      setImmediate(tick);
      const value = await run();
      done = true;
      return { turns, value };
    };
    const off = await count(() => offloaded.events(body, true));
    const here = await count(() => inline.events(body, true));
    // On the event loop the work runs in one piece: nothing else is answered meanwhile.
    expect(here.turns).toBe(0);
    expect(off.turns).toBeGreaterThan(0);
    const a = off.value as { ok: true; kept: string[]; rejected: unknown[]; events: { ts: string }[] };
    const b = here.value as { ok: true; kept: string[]; rejected: unknown[]; events: { ts: string }[] };
    expect(a.kept).toEqual(b.kept);
    expect(a.rejected).toEqual(b.rejected);
    expect(a.events.map((e) => e.ts)).toEqual(b.events.map((e) => e.ts));
    expect(a.kept.join('\n')).not.toMatch(/token=abcdefgh/);
    await offloaded.close();
  });
});
