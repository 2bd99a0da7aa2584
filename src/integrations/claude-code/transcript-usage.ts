/**
 * Token counts of a background sub-agent, from its own transcript.
 *
 * A sub-agent in the foreground returns its usage in `PostToolUse.tool_response`; one in the
 * background returns at launch (`status: "async_launched"`), and the hook event of its real
 * end, `SubagentStop`, carries no usage, only `agent_transcript_path`. That transcript is
 * Claude Code's JSONL record of the sub-agent: one line per message content block, the
 * assistant lines carrying the API response's `message.id`, `message.model` and
 * `message.usage`. The blocks of one response repeat its id and usage, so usage is counted
 * once per id (the last line's). Only numbers, model ids and tool names are taken; no text
 * leaves this function.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** What a sub-agent transcript says about its cost and tool use. */
export interface TranscriptUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
  /** Distinct models, in the order first used. */
  models: string[];
  /** Tool calls made, and the distinct tool names. */
  toolUses: number;
  toolsUsed: string[];
  /** API responses counted. */
  responses: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);

/**
 * Read a sub-agent transcript's usage, or `undefined` when the file is missing, a symbolic
 * link, larger than `maxBytes` (default 64 MiB) or holds no assistant response.
 */
export function readTranscriptUsage(path: string, maxBytes = 64 * 1024 * 1024): TranscriptUsage | undefined {
  let text: string;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > maxBytes) return undefined;
    const buf = Buffer.allocUnsafe(st.size);
    let n = 0;
    while (n < buf.length) {
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
    }
    text = buf.toString('utf8', 0, n);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
  return transcriptUsage(text);
}

/** The usage in a transcript's text (see `readTranscriptUsage`). */
export function transcriptUsage(text: string): TranscriptUsage | undefined {
  const usageById = new Map<string, Obj>();
  const models: string[] = [];
  const toolCalls = new Set<string>();
  const tools: string[] = [];
  for (const line of text.split('\n')) {
    // Cheap filter first: most lines are tool results and user turns.
    if (!line.includes('"assistant"')) continue;
    let e: unknown;
    try {
      e = JSON.parse(line);
    } catch {
      continue;
    }
    if (!isObj(e) || e['type'] !== 'assistant' || !isObj(e['message'])) continue;
    const m = e['message'];
    const id = typeof m['id'] === 'string' ? m['id'] : typeof e['uuid'] === 'string' ? e['uuid'] : undefined;
    if (id === undefined) continue;
    const model = m['model'];
    // `<synthetic>` marks messages Claude Code made up itself: no API call, nothing to count.
    if (typeof model === 'string' && model.startsWith('<')) continue;
    if (typeof model === 'string' && model !== '' && !models.includes(model)) models.push(model);
    if (isObj(m['usage'])) usageById.set(id, m['usage']);
    if (Array.isArray(m['content'])) {
      for (const block of m['content']) {
        if (!isObj(block) || block['type'] !== 'tool_use') continue;
        toolCalls.add(typeof block['id'] === 'string' ? block['id'] : `${id}#${toolCalls.size}`);
        const name = block['name'];
        if (typeof name === 'string' && name !== '' && !tools.includes(name)) tools.push(name);
      }
    }
  }
  if (usageById.size === 0) return undefined;
  const out: TranscriptUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0, models, toolUses: toolCalls.size, toolsUsed: tools, responses: usageById.size };
  for (const u of usageById.values()) {
    out.inputTokens += count(u['input_tokens']);
    out.outputTokens += count(u['output_tokens']);
    out.cacheReadTokens += count(u['cache_read_input_tokens']);
    out.cacheCreationTokens += count(u['cache_creation_input_tokens']);
  }
  return out;
}
