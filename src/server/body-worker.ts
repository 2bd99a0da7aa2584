/** The worker thread of body-work.ts: parses, checks and redacts large request bodies. */
import { parentPort } from 'node:worker_threads';
import { createRedactor } from '../model/redact.js';
import type { WorkerJob, WorkerResult } from './body-work.js';
import { checkEventsBody } from './ingest-events.js';
import { checkOtlpBody } from './ingest-otlp.js';

const redact = createRedactor();

parentPort?.on('message', (job: WorkerJob) => {
  let answer: WorkerResult;
  try {
    const bytes = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength);
    if (job.kind === 'events') {
      const r = checkEventsBody(bytes.toString('utf8'), redact);
      answer = r.ok
        ? { id: job.id, kind: 'events', result: { ok: true, lines: r.kept ?? r.events.map((e) => JSON.stringify(e)), ts: r.events.map((e) => e.ts), rejected: r.rejected } }
        : { id: job.id, kind: 'events', result: r };
    } else {
      answer = { id: job.id, kind: 'otlp', result: checkOtlpBody(bytes, job.key, job.defaultEnv, redact, job.protobuf) };
    }
  } catch (e: unknown) {
    answer = { id: job.id, kind: 'error', error: e instanceof Error ? e.message : String(e) };
  }
  parentPort?.postMessage(answer);
});
