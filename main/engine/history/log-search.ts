/**
 * Searching a run's captured output without loading it: the file is read in 1 MiB chunks, split
 * into lines on '\n' (byte offsets kept, so a match can be opened with runs.logs at its offset),
 * and each line is matched with its ANSI colour codes removed (what the viewer shows). A line
 * longer than 1 MiB is searched in 1 MiB pieces, each reported at its own offset.
 */
import fs from 'node:fs';
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

/** A matcher for the query; an invalid regular expression is a USAGE error that names it. */
export function logMatcher(query: string, opts: LogSearchOptions): (line: string) => boolean {
  if (opts.regex) {
    let re: RegExp;
    try {
      re = new RegExp(query, opts.caseSensitive ? 'u' : 'iu');
    } catch (e) {
      throw new AppError('USAGE', `Invalid regular expression /${query}/: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`);
    }
    return (line) => re.test(line);
  }
  if (opts.caseSensitive) return (line) => line.includes(query);
  const q = query.toLowerCase();
  return (line) => line.toLowerCase().includes(q);
}

export async function searchLog(
  file: string | null,
  query: string,
  opts: LogSearchOptions = {},
): Promise<{ matches: LogMatch[]; truncated: boolean }> {
  const test = logMatcher(query, opts);
  const max = opts.maxMatches ?? 1000;
  const matches: LogMatch[] = [];
  if (!file || !fs.existsSync(file)) return { matches, truncated: false };
  let lineNo = 1;
  let carry: Buffer[] = [];
  let carryLen = 0;
  let carryStart = 0; // byte offset of the carried line's start
  let pos = 0; // byte offset of the current chunk's start
  let truncated = false;

  const check = (bytes: Buffer, offset: number): boolean => {
    let text = bytes.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (test(stripAnsi(text))) {
      if (matches.length >= max) {
        truncated = true;
        return false;
      }
      matches.push({ line: lineNo, offset, text: text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text });
    }
    return true;
  };

  const stream = fs.createReadStream(file, { highWaterMark: CHUNK });
  try {
    outer: for await (const chunk of stream as AsyncIterable<Buffer>) {
      let from = 0;
      for (;;) {
        const nl = chunk.indexOf(0x0a, from);
        if (nl === -1) break;
        const piece = chunk.subarray(from, nl);
        const line = carryLen ? Buffer.concat([...carry, piece]) : piece;
        const start = carryLen ? carryStart : pos + from;
        carry = [];
        carryLen = 0;
        if (!check(line, start)) break outer;
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
          if (!check(piece.subarray(0, cut), carryStart)) break outer;
          carry = cut < piece.length ? [piece.subarray(cut)] : [];
          carryStart += cut;
          carryLen = piece.length - cut;
        }
      }
      pos += chunk.length;
    }
    if (!truncated && carryLen) check(Buffer.concat(carry), carryStart);
  } finally {
    stream.destroy();
  }
  return { matches, truncated };
}
