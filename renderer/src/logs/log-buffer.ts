/**
 * A bounded window over a run's output file: whole lines between two byte offsets, parsed for ANSI
 * colours once. New text is appended at the end (live output), older pages are prepended when the
 * person scrolls up; the window never holds more than `maxLines` lines, dropping from the other
 * end, so a step that prints megabytes keeps the UI responsive. Pure: every function returns a new
 * buffer. Offsets are bytes of the UTF-8 file, as `runs.logs` pages them.
 */
import { DEFAULT_STYLE, parseAnsiLine } from './ansi.js';
import type { AnsiSegment, AnsiStyle } from './ansi.js';

export interface LogLine {
  /** Stable key for rendering. */
  id: number;
  segments: AnsiSegment[];
  /** Bytes this line takes in the file, its newline included. */
  bytes: number;
}

export interface LogPage {
  text: string;
  offset: number;
  nextOffset: number;
  size: number;
}

export interface LogBuffer {
  runId: string | null;
  lines: LogLine[];
  /** File offset of the first line. */
  startOffset: number;
  /** File offset just after the last whole line. */
  endOffset: number;
  /** An unfinished last line (no newline yet), shown but not yet a LogLine. */
  tail: string;
  /** Where the next page starts: endOffset + bytes of tail. */
  nextOffset: number;
  /** File size last seen. */
  size: number;
  /** ANSI style at the end of the last whole line. */
  ansi: AnsiStyle;
  nextId: number;
  maxLines: number;
}

/** Longer lines are cut into pieces of this many characters (a minified blob must not freeze the view). */
export const MAX_LINE_CHARS = 16_384;
export const DEFAULT_MAX_LINES = 5_000;

export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

export function emptyLog(runId: string | null, maxLines = DEFAULT_MAX_LINES): LogBuffer {
  return { runId, lines: [], startOffset: 0, endOffset: 0, tail: '', nextOffset: 0, size: 0, ansi: DEFAULT_STYLE, nextId: 1, maxLines };
}

export function hasOlder(buf: LogBuffer): boolean {
  return buf.startOffset > 0;
}

export function hasNewer(buf: LogBuffer): boolean {
  return buf.nextOffset < buf.size;
}

/** Splits text into whole lines (each with its newline's byte) and a rest without newline. */
function splitLines(text: string): { whole: { text: string; bytes: number }[]; rest: string } {
  const whole: { text: string; bytes: number }[] = [];
  let at = 0;
  for (;;) {
    const nl = text.indexOf('\n', at);
    if (nl < 0) break;
    const line = text.slice(at, nl);
    pushPieces(whole, line, 1);
    at = nl + 1;
  }
  let rest = text.slice(at);
  // An endless line without newline: emit whole pieces, keep the remainder as the tail.
  while (rest.length > MAX_LINE_CHARS) {
    const piece = rest.slice(0, MAX_LINE_CHARS);
    whole.push({ text: piece, bytes: utf8Length(piece) });
    rest = rest.slice(MAX_LINE_CHARS);
  }
  return { whole, rest };
}

function pushPieces(out: { text: string; bytes: number }[], line: string, newlineBytes: number): void {
  if (line.length <= MAX_LINE_CHARS) {
    out.push({ text: line, bytes: utf8Length(line) + newlineBytes });
    return;
  }
  for (let i = 0; i < line.length; i += MAX_LINE_CHARS) {
    const piece = line.slice(i, i + MAX_LINE_CHARS);
    const last = i + MAX_LINE_CHARS >= line.length;
    out.push({ text: piece, bytes: utf8Length(piece) + (last ? newlineBytes : 0) });
  }
}

function parseLines(raw: { text: string; bytes: number }[], state: AnsiStyle, firstId: number): { lines: LogLine[]; state: AnsiStyle } {
  const lines: LogLine[] = [];
  let st = state;
  let id = firstId;
  for (const r of raw) {
    const parsed = parseAnsiLine(r.text, st);
    st = parsed.state;
    lines.push({ id: id++, segments: parsed.segments, bytes: r.bytes });
  }
  return { lines, state: st };
}

function dropFront(buf: LogBuffer): LogBuffer {
  const extra = buf.lines.length - buf.maxLines;
  if (extra <= 0) return buf;
  let bytes = 0;
  for (let i = 0; i < extra; i++) bytes += buf.lines[i]?.bytes ?? 0;
  return { ...buf, lines: buf.lines.slice(extra), startOffset: buf.startOffset + bytes };
}

function dropBack(buf: LogBuffer): LogBuffer {
  const extra = buf.lines.length - buf.maxLines;
  if (extra <= 0) return buf;
  const keep = buf.lines.slice(0, buf.maxLines);
  let bytes = 0;
  for (let i = buf.maxLines; i < buf.lines.length; i++) bytes += buf.lines[i]?.bytes ?? 0;
  const endOffset = buf.endOffset - bytes;
  // The dropped end will be fetched again by the next appendPage (from nextOffset).
  return { ...buf, lines: keep, endOffset, tail: '', nextOffset: endOffset, ansi: DEFAULT_STYLE };
}

/**
 * Starts the window at a page read from somewhere in the middle or the end of the file. A page
 * that does not start at 0 may start inside a line: that partial line is dropped.
 */
export function startAt(runId: string | null, page: LogPage, maxLines = DEFAULT_MAX_LINES): LogBuffer {
  let text = page.text;
  let offset = page.offset;
  if (offset > 0) {
    const nl = text.indexOf('\n');
    if (nl >= 0) {
      offset += utf8Length(text.slice(0, nl + 1));
      text = text.slice(nl + 1);
    }
  }
  const buf: LogBuffer = { ...emptyLog(runId, maxLines), startOffset: offset, endOffset: offset, nextOffset: offset, size: page.size };
  return appendPage(buf, { ...page, text, offset });
}

/**
 * Appends the page that continues the window. A page that does not start at `nextOffset` (the
 * file was read from elsewhere) restarts the window there.
 */
export function appendPage(buf: LogBuffer, page: LogPage): LogBuffer {
  if (page.offset !== buf.nextOffset) return startAt(buf.runId, page, buf.maxLines);
  const { whole, rest } = splitLines(buf.tail + page.text);
  const parsed = parseLines(whole, buf.ansi, buf.nextId);
  const added = whole.reduce((n, l) => n + l.bytes, 0);
  const next: LogBuffer = {
    ...buf,
    lines: parsed.lines.length ? buf.lines.concat(parsed.lines) : buf.lines,
    endOffset: buf.endOffset + added,
    tail: rest,
    nextOffset: page.nextOffset,
    size: Math.max(page.size, page.nextOffset),
    ansi: parsed.state,
    nextId: buf.nextId + parsed.lines.length,
  };
  return dropFront(next);
}

/**
 * Prepends an older page that ends where the window starts (page.nextOffset === startOffset).
 * A page that starts inside a line drops that partial line. Drops from the end beyond maxLines.
 */
export function prependPage(buf: LogBuffer, page: LogPage): LogBuffer {
  if (page.nextOffset < buf.startOffset || page.offset >= buf.startOffset || page.text === '') return { ...buf, size: Math.max(buf.size, page.size) };
  // The engine never splits a character, so a page asked to end at startOffset may run a few bytes
  // past it (when its start had to move forward): cut those off, they are already in the window.
  let text = dropTailBytes(page.text, page.nextOffset - buf.startOffset);
  let offset = page.offset;
  if (offset > 0) {
    const nl = text.indexOf('\n');
    if (nl >= 0 && nl < text.length - 1) {
      offset += utf8Length(text.slice(0, nl + 1));
      text = text.slice(nl + 1);
    }
  }
  const { whole, rest } = splitLines(text);
  if (rest !== '') pushPieces(whole, rest, 0); // the page ends where a whole line of the window begins
  // Ids for older lines count down from the current first id so keys stay unique.
  const firstId = (buf.lines[0]?.id ?? buf.nextId) - whole.length;
  const parsed = parseLines(whole, DEFAULT_STYLE, firstId);
  const next: LogBuffer = {
    ...buf,
    lines: parsed.lines.concat(buf.lines),
    startOffset: offset,
    size: Math.max(buf.size, page.size),
  };
  return dropBack(next);
}

/** `text` without its last `bytes` bytes of UTF-8 (a whole number of characters). */
export function dropTailBytes(text: string, bytes: number): string {
  let i = text.length;
  let left = bytes;
  while (left > 0 && i > 0) {
    const c = text.charCodeAt(i - 1);
    const low = c >= 0xdc00 && c <= 0xdfff && i > 1;
    const ch = low ? text.slice(i - 2, i) : text[i - 1] ?? '';
    left -= utf8Length(ch);
    i -= ch.length;
  }
  return text.slice(0, i);
}

/** The lines to show: the whole lines plus the unfinished tail. */
export function visibleLineCount(buf: LogBuffer): number {
  return buf.lines.length + (buf.tail ? 1 : 0);
}

export function tailSegments(buf: LogBuffer): AnsiSegment[] {
  return buf.tail ? parseAnsiLine(buf.tail, buf.ansi).segments : [];
}
