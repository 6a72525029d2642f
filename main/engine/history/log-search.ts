/**
 * Searching a run's captured output without loading it: the file is read in 1 MiB chunks, split
 * into lines on '\n' (byte offsets kept, so a match can be opened with runs.logs at its offset),
 * and each line is matched with its ANSI colour codes removed (what the viewer shows). A line
 * longer than 1 MiB is searched in 1 MiB pieces, each reported at its own offset.
 *
 * A regular expression is the user's: one with nested repetition (`(a+)+$`) can backtrack for
 * hours on one line and would hold the host's only thread (every window, every run's monitoring).
 * So the lines of each chunk are matched in a `node:vm` context with a time limit: a chunk that
 * takes longer than REGEX_CHUNK_MS is stopped, and the search fails with an error that says why.
 */
import fs from 'node:fs';
import vm from 'node:vm';
import { AppError } from '../../../common/errors.js';

export interface LogMatch {
  /** 1-based line number. */
  line: number;
  /** Byte offset of the line's start in the log file. */
  offset: number;
  /** The line as written (ANSI codes kept for the viewer), at most MAX_TEXT characters. */
  text: string;
}

export interface LogSearchOptions {
  regex?: boolean;
  caseSensitive?: boolean;
  maxMatches?: number;
  /** The time limit of a regular expression on one chunk's lines (default REGEX_CHUNK_MS). */
  regexChunkMs?: number;
}

const CHUNK = 1024 * 1024;
const MAX_LINE = 1024 * 1024;
const MAX_TEXT = 2000;
// CSI sequences (colours, cursor moves) and OSC sequences (titles, links), as a terminal would drop them.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

export function stripAnsi(s: string): string {
  return s.replace(ANSI, '');
}

/**
 * The longest the lines of one read chunk (1 MiB) may take to match a regular expression: far more
 * than any sane expression needs (milliseconds), far less than a runaway one takes.
 */
export const REGEX_CHUNK_MS = 2000;

/** Matches a batch of lines: the indexes of those that match. */
type BatchMatcher = (lines: readonly string[]) => number[];

// The matching loop, compiled once into its own context (a context's code runs with a time limit).
const MATCH_ALL = 'function matchAll(re, lines) { const out = []; for (let i = 0; i < lines.length; i++) if (re.test(lines[i])) out.push(i); return out; }';
const CALL = new vm.Script('out = matchAll(re, lines); lines = null;');

/**
 * A matcher for the query; an invalid regular expression is a USAGE error that names it, and one
 * that runs longer than `chunkMs` on a chunk's lines is a USAGE error that says so.
 */
export function logMatcher(query: string, opts: LogSearchOptions, chunkMs = REGEX_CHUNK_MS): BatchMatcher {
  if (opts.regex) {
    let re: RegExp;
    try {
      re = new RegExp(query, opts.caseSensitive ? 'u' : 'iu');
    } catch (e) {
      throw new AppError('USAGE', `Invalid regular expression /${query}/: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`);
    }
    const ctx: { re: RegExp; lines: readonly string[] | null; out: number[] } = { re, lines: null, out: [] };
    vm.createContext(ctx);
    vm.runInContext(MATCH_ALL, ctx);
    return (lines) => {
      ctx.lines = lines;
      try {
        CALL.runInContext(ctx, { timeout: chunkMs });
      } catch (e) {
        if ((e as { code?: string }).code !== 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw e;
        throw new AppError(
          'USAGE',
          `The regular expression /${query}/ took more than ${chunkMs / 1000} s on 1 MiB of this log and was stopped: it backtracks too much on some line (nested repetition such as (a+)+ does). Make it simpler.`,
        );
      }
      return ctx.out;
    };
  }
  const q = opts.caseSensitive ? query : query.toLowerCase();
  const test = opts.caseSensitive ? (line: string) => line.includes(q) : (line: string) => line.toLowerCase().includes(q);
  return (lines) => {
    const out: number[] = [];
    for (let i = 0; i < lines.length; i++) if (test(lines[i]!)) out.push(i);
    return out;
  };
}

export async function searchLog(
  file: string | null,
  query: string,
  opts: LogSearchOptions = {},
): Promise<{ matches: LogMatch[]; truncated: boolean }> {
  const match = logMatcher(query, opts, opts.regexChunkMs);
  const max = opts.maxMatches ?? 1000;
  const matches: LogMatch[] = [];
  if (!file || !fs.existsSync(file)) return { matches, truncated: false };
  let lineNo = 1;
  let carry: Buffer[] = [];
  let carryLen = 0;
  let carryStart = 0; // byte offset of the carried line's start
  let pos = 0; // byte offset of the current chunk's start
  let truncated = false;

  // The lines of a chunk are matched together (see logMatcher): as written, and as shown.
  let batch: { text: string; offset: number; line: number }[] = [];
  let shown: string[] = [];
  const add = (bytes: Buffer, offset: number): void => {
    let text = bytes.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    batch.push({ text, offset, line: lineNo });
    shown.push(stripAnsi(text));
  };
  /** Matches the batch; false once more than `max` lines matched (the search stops). */
  const flush = (): boolean => {
    const hits = batch.length ? match(shown) : [];
    const lines = batch;
    batch = [];
    shown = [];
    for (const i of hits) {
      if (matches.length >= max) {
        truncated = true;
        return false;
      }
      const { text, offset, line } = lines[i]!;
      matches.push({ line, offset, text: text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text });
    }
    return true;
  };

  const stream = fs.createReadStream(file, { highWaterMark: CHUNK });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let from = 0;
      for (;;) {
        const nl = chunk.indexOf(0x0a, from);
        if (nl === -1) break;
        const piece = chunk.subarray(from, nl);
        const line = carryLen ? Buffer.concat([...carry, piece]) : piece;
        const start = carryLen ? carryStart : pos + from;
        carry = [];
        carryLen = 0;
        add(line, start);
        lineNo++;
        from = nl + 1;
      }
      if (from < chunk.length) {
        if (!carryLen) carryStart = pos + from;
        carry.push(chunk.subarray(from));
        carryLen += chunk.length - from;
        if (carryLen >= MAX_LINE) {
          // A very long line: search what is held so far and go on with the rest of it.
          const piece = Buffer.concat(carry);
          let cut = piece.length;
          while (cut > 0 && (piece[cut - 1]! & 0xc0) === 0x80) cut--; // do not split a UTF-8 character
          if (cut > 0 && piece[cut - 1]! >= 0xc0) cut--;
          if (cut === 0) cut = piece.length;
          add(piece.subarray(0, cut), carryStart);
          carry = cut < piece.length ? [piece.subarray(cut)] : [];
          carryStart += cut;
          carryLen = piece.length - cut;
        }
      }
      pos += chunk.length;
      if (!flush()) break;
    }
    if (!truncated && carryLen) {
      add(Buffer.concat(carry), carryStart);
      flush();
    }
  } finally {
    stream.destroy();
  }
  return { matches, truncated };
}
