export { waitFor } from '../helpers.js';
import { encodeLine, toIso, uuidv7 } from '../../src/model/index.js';
import type { AgentmeterEvent } from '../../src/model/index.js';
import type { Diagnostic } from '../../src/model/index.js';
import { SegmentWriter, listPartitions, listSegments, scanEvents } from '../../src/store/index.js';
import type { Durability, ReadStats, SkippedLine } from '../../src/store/index.js';

type WriterOptions = ConstructorParameters<typeof SegmentWriter>[0];

/** A writer that collects its diagnostics and leaves signals alone; `Writer` may be dist's class. */
export function testWriter(
  root: string,
  durability: Durability,
  extra: Partial<WriterOptions> = {},
  Writer: new (o: WriterOptions) => SegmentWriter = SegmentWriter,
): { w: SegmentWriter; diags: Diagnostic[] } {
  const diags: Diagnostic[] = [];
  const w = new Writer({ root, durability, handleSignals: false, onDiagnostic: (d) => diags.push(d), ...extra });
  return { w, diags };
}

/** Every segment file of a store, day by day. */
export async function segmentFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const p of await listPartitions(root)) out.push(...(await listSegments(p.path)));
  return out;
}

/** A schema-valid complete span event at `tsMs`, tagged with a writer name and sequence number. */
export function sampleEvent(tsMs: number, seq: number, writer = 'w0', pad = ''): AgentmeterEvent {
  const ts = toIso(tsMs);
  return {
    v: 1,
    id: uuidv7(tsMs),
    ts,
    type: 'span',
    kind: 'tool',
    span_id: `${writer}-${seq}`,
    run_id: `run-${writer}`,
    env: 'test',
    name: 'bash',
    parent_id: null,
    start_ts: ts,
    duration_ms: 1.5,
    status: 'success',
    attrs: { 'gen_ai.tool.name': 'bash', writer, seq, ...(pad ? { pad } : {}) },
  };
}

export function sampleLine(tsMs: number, seq: number, writer = 'w0', pad = ''): string {
  return encodeLine(sampleEvent(tsMs, seq, writer, pad));
}

/** Read a store back fully. */
export async function readAll(root: string): Promise<{ events: AgentmeterEvent[]; skips: SkippedLine[]; stats: ReadStats }> {
  const events: AgentmeterEvent[] = [];
  const skips: SkippedLine[] = [];
  const stats = await scanEvents({ root, onEvent: (e) => events.push(e), onSkip: (s) => skips.push(s) });
  return { events, skips, stats };
}

