/**
 * Fitting output to the terminal: lines of `label value` parts wrap under their first
 * column, and a table wider than the terminal is stacked (one block per row, `header value`
 * pairs wrapped) rather than cut, so nothing is lost. Without a width (piped output,
 * `--wide`) everything stays on one line, as before.
 */

const ANSI = /\x1b\[[0-9;]*m/g;

/** Visible length: ANSI colour codes take no columns. */
export function visibleLength(text: string): number {
  return text.replace(ANSI, '').length;
}

/**
 * `prefix` then `parts` joined by two spaces; with a width, parts that would pass it go on
 * the next line, indented by `indent` spaces.
 */
export function wrapParts(prefix: string, parts: readonly string[], width: number | undefined, indent: number): string[] {
  const shown = parts.filter((p) => p !== '');
  if (width === undefined) return [(prefix === '' ? shown : [prefix, ...shown]).join('  ').trimEnd()];
  const lines: string[] = [];
  let line = prefix;
  let used = visibleLength(prefix);
  let first = true;
  for (const part of shown) {
    const n = visibleLength(part);
    const sep = first && line.trim() === '' ? 0 : 2;
    if (used + sep + n > width && line.trim() !== '' && (used > indent || first)) {
      lines.push(line.trimEnd());
      if (indent + n > width) {
        // Too long even on a line of its own: it takes a shallower indent and wraps by words.
        const pieces = wrapWords(' '.repeat(Math.min(indent, 4)) + part, width, Math.min(indent, 4) + 2);
        lines.push(...pieces.slice(0, -1));
        line = pieces[pieces.length - 1] ?? '';
        used = visibleLength(line);
        first = false;
        continue;
      }
      line = ' '.repeat(indent) + part;
      used = indent + n;
      first = false;
      continue;
    }
    line += (line.trim() === '' && first ? '' : '  ') + part;
    used += sep + n;
    first = false;
  }
  lines.push(line.trimEnd());
  return lines;
}

/**
 * Table rows as blocks when the aligned table would be wider than `width`: the first cell as
 * a heading, then the other columns as `header value` pairs, wrapped and indented.
 */
export function stackRows(headers: readonly string[], rows: readonly (readonly string[])[], width: number): string[] {
  const out: string[] = [];
  for (const row of rows) {
    out.push(row[0] ?? '');
    const parts = headers.slice(1).map((h, i) => {
      const v = row[i + 1] ?? '';
      return v === '' ? '' : `${h} ${v}`;
    });
    out.push(...wrapParts('  ', parts, width, 2));
  }
  return out;
}

/** Whether some line is wider than `width`. */
export function tooWide(lines: readonly string[], width: number | undefined): boolean {
  return width !== undefined && lines.some((l) => visibleLength(l) > width);
}

/** A sentence wrapped at word boundaries to `width` (no limit when undefined), each line after the first indented. */
export function wrapWords(text: string, width: number | undefined, indent: number): string[] {
  if (width === undefined) return [text];
  const lead = /^ */.exec(text)?.[0] ?? '';
  const lines: string[] = [];
  let line = lead;
  // A unit stays with its number: `25.0 %` never breaks before the `%`.
  const words: string[] = [];
  for (const w of text.slice(lead.length).split(' ')) {
    if (/^%/.test(w) && words.length > 0) words[words.length - 1] += ` ${w}`;
    else words.push(w);
  }
  for (const word of words) {
    const candidate = line.trim() === '' ? line + word : `${line} ${word}`;
    if (line.trim() !== '' && visibleLength(candidate) > width) {
      lines.push(line);
      line = ' '.repeat(indent) + word;
    } else line = candidate;
  }
  lines.push(line);
  return lines;
}
