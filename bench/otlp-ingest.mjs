// OTLP/HTTP trace ingest, protobuf against JSON, in the same run: the same spans (an AI SDK
// shaped agent with model and tool calls, prompts and tool arguments included, as frameworks
// send them) posted to the app as `ExportTraceServiceRequest` bodies in both encodings,
// stored through the local sink. Prints spans/s of each and the protobuf/JSON ratio (> 1:
// protobuf is faster), and the body sizes.
//   node bench/otlp-ingest.mjs [--quick]
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST_DIR, fmt, median, requireBuild, saveResult, table } from './lib.mjs';

requireBuild();
const quick = process.argv.includes('--quick');
const TRACES_PER_BATCH = 100; // 5 spans each
const BATCHES = quick ? 20 : 80;
const ROUNDS = quick ? 3 : 5;
const require = createRequire(import.meta.url);
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js');
const Request_ = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

const hex = (n, w) => n.toString(16).padStart(w, '0');
const kv = (key, v) => ({ key, value: typeof v === 'string' ? { stringValue: v } : Number.isInteger(v) ? { intValue: v } : { doubleValue: v } });
const t0 = BigInt(Date.now()) * 1_000_000n;
let seq = 0;
function span(trace, id, parent, name, attrs, ms) {
  const start = t0 + BigInt(seq++) * 1000n;
  return { traceId: trace, spanId: id, ...(parent ? { parentSpanId: parent } : {}), name, kind: 1, startTimeUnixNano: String(start), endTimeUnixNano: String(start + BigInt(ms) * 1_000_000n), attributes: Object.entries(attrs).map(([k, v]) => kv(k, v)), status: {} };
}
const PROMPT = 'You are a support agent. '.repeat(20);
function trace(t) {
  const tr = hex(t, 32);
  const id = (k) => hex(t * 8 + k, 16);
  const common = { 'ai.telemetry.functionId': 'support-agent', 'ai.model.id': 'gpt-4o', 'ai.model.provider': 'openai.chat' };
  return [
    span(tr, id(1), id(0), 'ai.generateText.doGenerate', { ...common, 'ai.operationId': 'ai.generateText.doGenerate', 'ai.prompt.messages': PROMPT, 'ai.usage.inputTokens': 1200, 'ai.usage.outputTokens': 40, 'gen_ai.request.model': 'gpt-4o' }, 800),
    span(tr, id(2), id(0), 'ai.toolCall', { ...common, 'ai.operationId': 'ai.toolCall', 'ai.toolCall.name': 'lookup', 'ai.toolCall.id': `c${t}`, 'ai.toolCall.args': '{"q":"order 1234"}', 'ai.toolCall.result': '{"status":"shipped"}' }, 30),
    span(tr, id(3), id(0), 'ai.generateText.doGenerate', { ...common, 'ai.operationId': 'ai.generateText.doGenerate', 'ai.prompt.messages': PROMPT, 'ai.response.text': 'It shipped.', 'ai.usage.inputTokens': 1300, 'ai.usage.outputTokens': 25, 'gen_ai.request.model': 'gpt-4o' }, 700),
    span(tr, id(4), id(0), 'step', { 'ai.operationId': 'ai.step' }, 5),
    span(tr, id(0), null, 'ai.generateText', { ...common, 'ai.operationId': 'ai.generateText', 'ai.prompt': PROMPT, 'ai.usage.inputTokens': 2500, 'ai.usage.outputTokens': 65 }, 1600),
  ];
}
const requests = [];
for (let b = 0; b < BATCHES; b++) {
  const spans = [];
  for (let t = 0; t < TRACES_PER_BATCH; t++) spans.push(...trace(b * TRACES_PER_BATCH + t + 1));
  requests.push({ resourceSpans: [{ resource: { attributes: [kv('service.name', 'shop')] }, scopeSpans: [{ scope: { name: 'ai' }, spans }] }] });
}
const SPANS = BATCHES * TRACES_PER_BATCH * 5;
const jsonBodies = requests.map((r) => JSON.stringify(r));
// Protobuf: ids as bytes, 64-bit times as strings (protobufjs reads them as longs).
const idBytes = (o) => JSON.parse(JSON.stringify(o), (k, v) => (k === 'traceId' || k === 'spanId' || k === 'parentSpanId' ? Buffer.from(v, 'hex') : v));
const protoBodies = requests.map((r) => Request_.encode(Request_.fromObject(idBytes(r))).finish());

const { createApp } = await import(join(DIST_DIR, 'server', 'index.js'));
const { createLocalSink } = await import(join(DIST_DIR, 'store', 'index.js'));
const dir = mkdtempSync(join(tmpdir(), 'am-otlp-bench-'));

async function run(name, bodies, type) {
  const sink = createLocalSink({ root: join(dir, `${name}-${seq++}`) });
  const app = createApp({ sink });
  const t = performance.now();
  for (const body of bodies) {
    const res = await app.fetch(new Request('http://127.0.0.1/v1/traces', { method: 'POST', headers: { 'content-type': type }, body }));
    if (res.status !== 200) throw new Error(`${name}: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  }
  const seconds = (performance.now() - t) / 1000;
  await sink.shutdown();
  return SPANS / seconds;
}

const json = [];
const proto = [];
const ratios = [];
for (let i = 0; i < ROUNDS; i++) {
  // Alternate the order so neither encoding always runs on a warmer process.
  const [a, b] = i % 2 === 0 ? [await run('json', jsonBodies, 'application/json'), await run('proto', protoBodies, 'application/x-protobuf')] : [0, 0];
  const [c, d] = i % 2 === 1 ? [await run('proto', protoBodies, 'application/x-protobuf'), await run('json', jsonBodies, 'application/json')] : [0, 0];
  const j = a || d;
  const p = b || c;
  json.push(j);
  proto.push(p);
  ratios.push(p / j);
}
rmSync(dir, { recursive: true, force: true });
const jsonBytes = jsonBodies.reduce((n, b) => n + Buffer.byteLength(b), 0);
const protoBytes = protoBodies.reduce((n, b) => n + b.length, 0);
console.log(`${SPANS} spans in ${BATCHES} requests of ${TRACES_PER_BATCH * 5} spans, ${ROUNDS} rounds (median)\n`);
console.log(table(['encoding', 'spans/s', 'body bytes/span'], [
  ['JSON', fmt.ns(median(json)), fmt.ns(jsonBytes / SPANS)],
  ['protobuf', fmt.ns(median(proto)), fmt.ns(protoBytes / SPANS)],
]));
console.log(`\nprotobuf / JSON throughput: ${fmt.ratio(median(ratios))} (same run; > 1 means protobuf is faster)`);
saveResult('otlp-ingest', { spans: SPANS, json_spans_per_s: median(json), protobuf_spans_per_s: median(proto), ratio: median(ratios), json_bytes_per_span: jsonBytes / SPANS, protobuf_bytes_per_span: protoBytes / SPANS });
