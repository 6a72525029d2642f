/**
 * A small ANSI escape parser for step output: SGR (colours and text attributes: 16, 256 and
 * 24-bit colours, bold, dim, italic, underline, inverse) becomes styled segments; every other
 * escape sequence (cursor movement, OSC titles and links, …) is dropped. A carriage return
 * overwrites the line the way a terminal does (progress bars show their last state).
 */

/** 0–255: the xterm palette; a string: "#rrggbb". */
export type AnsiColor = number | string;

export interface AnsiStyle {
  fg: AnsiColor | null;
  bg: AnsiColor | null;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  inverse: boolean;
}

export interface AnsiSegment {
  text: string;
  /** null: the default style. */
  style: AnsiStyle | null;
}

export const DEFAULT_STYLE: AnsiStyle = Object.freeze({
  fg: null,
  bg: null,
  bold: false,
  dim: false,
  italic: false,
  underline: false,
  inverse: false,
});

function isDefault(s: AnsiStyle): boolean {
  return s.fg === null && s.bg === null && !s.bold && !s.dim && !s.italic && !s.underline && !s.inverse;
}

function hex(n: number): string {
  return Math.max(0, Math.min(255, n)).toString(16).padStart(2, '0');
}

/** Applies one SGR parameter list (the numbers of `ESC[...m`) to a style. */
export function applySgr(style: AnsiStyle, params: number[]): AnsiStyle {
  const s: AnsiStyle = { ...style };
  if (params.length === 0) params = [0];
  for (let i = 0; i < params.length; i++) {
    const p = params[i] ?? 0;
    if (p === 0) Object.assign(s, DEFAULT_STYLE);
    else if (p === 1) s.bold = true;
    else if (p === 2) s.dim = true;
    else if (p === 3) s.italic = true;
    else if (p === 4) s.underline = true;
    else if (p === 7) s.inverse = true;
    else if (p === 22) s.bold = s.dim = false;
    else if (p === 23) s.italic = false;
    else if (p === 24) s.underline = false;
    else if (p === 27) s.inverse = false;
    else if (p >= 30 && p <= 37) s.fg = p - 30;
    else if (p === 39) s.fg = null;
    else if (p >= 40 && p <= 47) s.bg = p - 40;
    else if (p === 49) s.bg = null;
    else if (p >= 90 && p <= 97) s.fg = p - 90 + 8;
    else if (p >= 100 && p <= 107) s.bg = p - 100 + 8;
    else if (p === 38 || p === 48) {
      const mode = params[i + 1];
      let color: AnsiColor | null = null;
      if (mode === 5 && params[i + 2] !== undefined) {
        color = Math.max(0, Math.min(255, params[i + 2] ?? 0));
        i += 2;
      } else if (mode === 2 && params[i + 4] !== undefined) {
        color = `#${hex(params[i + 2] ?? 0)}${hex(params[i + 3] ?? 0)}${hex(params[i + 4] ?? 0)}`;
        i += 4;
      } else {
        i = params.length; // malformed extended colour: ignore the rest, as terminals do
      }
      if (color !== null) {
        if (p === 38) s.fg = color;
        else s.bg = color;
      }
    }
  }
  return s;
}

/**
 * Parses one line (no "\n") starting in `state`; returns its segments and the style at its end
 * (colours carry over to the next line, as in a terminal).
 */
export function parseAnsiLine(line: string, state: AnsiStyle = DEFAULT_STYLE): { segments: AnsiSegment[]; state: AnsiStyle } {
  let segments: AnsiSegment[] = [];
  let style = state;
  let text = '';
  const flush = (): void => {
    if (text === '') return;
    const last = segments[segments.length - 1];
    const st = isDefault(style) ? null : style;
    if (last && last.style === st) last.text += text;
    else segments.push({ text, style: st });
    text = '';
  };
  const n = line.length;
  let i = 0;
  while (i < n) {
    // Plain text runs are sliced in one go; only control characters are looked at one by one.
    let j = i;
    while (j < n) {
      const c = line.charCodeAt(j);
      if (c < 0x20 && c !== 0x09) break;
      j++;
    }
    if (j > i) {
      text += line.slice(i, j);
      i = j;
      if (i >= n) break;
    }
    const c = line.charCodeAt(i);
    if (c === 0x1b) {
      const next = line[i + 1];
      if (next === '[') {
        // CSI: parameters 0x30–0x3F, intermediates 0x20–0x2F, final 0x40–0x7E.
        let k = i + 2;
        while (k < n && line.charCodeAt(k) >= 0x30 && line.charCodeAt(k) <= 0x3f) k++;
        while (k < n && line.charCodeAt(k) >= 0x20 && line.charCodeAt(k) <= 0x2f) k++;
        if (k >= n) {
          i = n;
          break;
        }
        if (line[k] === 'm') {
          const body = line.slice(i + 2, k);
          if (/^[\d;:]*$/.test(body)) {
            flush();
            const params = body === '' ? [] : body.split(/[;:]/).map((x) => (x === '' ? 0 : Number(x)));
            const applied = applySgr(style, params);
            style = isDefault(applied) ? DEFAULT_STYLE : applied;
          }
        }
        // Any other CSI (cursor movement, erase in line/display) draws nothing.
        i = k + 1;
        continue;
      }
      if (next === ']') {
        // OSC: up to BEL or ST (ESC \).
        let k = i + 2;
        while (k < n && line.charCodeAt(k) !== 0x07 && !(line.charCodeAt(k) === 0x1b && line[k + 1] === '\\')) k++;
        i = k >= n ? n : line.charCodeAt(k) === 0x07 ? k + 1 : k + 2;
        continue;
      }
      // Character-set designations (ESC ( B) take one more character; other escapes are two long.
      i += next === undefined ? 1 : '()*+-./#%'.includes(next) ? 3 : 2;
      continue;
    }
    if (c === 0x0d) {
      // Carriage return: what follows overwrites the line. A trailing CR (CRLF) changes nothing.
      if (i + 1 < n) {
        text = '';
        segments = [];
      }
      i++;
      continue;
    }
    if (c === 0x08) text = text.slice(0, -1);
    i++; // other control characters draw nothing
  }
  flush();
  return { segments, state: style };
}

// xterm's 16 base colours are themed through CSS classes; 16–255 computed here.
const CUBE = [0, 95, 135, 175, 215, 255];

export function paletteToCss(index: number): string {
  if (index < 16) return `var(--ansi-${index})`;
  if (index < 232) {
    const i = index - 16;
    const r = CUBE[Math.floor(i / 36)] ?? 0;
    const g = CUBE[Math.floor(i / 6) % 6] ?? 0;
    const b = CUBE[i % 6] ?? 0;
    return `#${hex(r)}${hex(g)}${hex(b)}`;
  }
  const v = 8 + (index - 232) * 10;
  return `#${hex(v)}${hex(v)}${hex(v)}`;
}

function colorCss(c: AnsiColor): string {
  return typeof c === 'number' ? paletteToCss(c) : c;
}

/** CSS for a segment style: inline colours and a few classes. */
export function styleToCss(style: AnsiStyle | null): { className: string; color?: string; background?: string } {
  if (!style) return { className: '' };
  let fg = style.fg;
  const bg = style.bg;
  if (style.bold && typeof fg === 'number' && fg < 8) fg += 8; // bold brightens the base colours, as xterm does
  const classes: string[] = [];
  if (style.bold) classes.push('ansi-bold');
  if (style.dim) classes.push('ansi-dim');
  if (style.italic) classes.push('ansi-italic');
  if (style.underline) classes.push('ansi-underline');
  const out: { className: string; color?: string; background?: string } = { className: classes.join(' ') };
  if (style.inverse) {
    out.color = bg === null ? 'var(--log-bg)' : colorCss(bg);
    out.background = fg === null ? 'var(--log-fg)' : colorCss(fg);
    return out;
  }
  if (fg !== null) out.color = colorCss(fg);
  if (bg !== null) out.background = colorCss(bg);
  return out;
}

/** The text of a line with every escape sequence removed (for copying and search). */
export function stripAnsi(line: string): string {
  return parseAnsiLine(line).segments.map((s) => s.text).join('');
}
