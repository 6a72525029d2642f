/**
 * Text cut to a width with an ellipsis, measured in the font it is drawn in: what CSS's
 * `text-overflow: ellipsis` does, without the clip each such cell needs. The runs table draws
 * hundreds of cells; a clip per cell (a paint property node each) made every scrolled frame
 * several times dearer to paint and layerize (docs/benchmarks.md, History UI).
 */
export interface FontSpec {
  /** CSS font shorthand without the family, e.g. `600 12px`. */
  style: string;
  /** A custom property holding the family (`--font`, `--mono`), read once from the document. */
  familyVar: string;
}

const ELLIPSIS = '…';
const MAX_CACHED = 20_000;
const cache = new Map<string, string>();
const fonts = new Map<FontSpec, string>();
let ctx: CanvasRenderingContext2D | null | undefined;

function context(): CanvasRenderingContext2D | null {
  if (ctx === undefined) ctx = typeof document === 'undefined' ? null : document.createElement('canvas').getContext('2d');
  return ctx;
}

function fontOf(spec: FontSpec): string {
  let f = fonts.get(spec);
  if (f === undefined) {
    const family =
      typeof document === 'undefined'
        ? ''
        : getComputedStyle(document.documentElement).getPropertyValue(spec.familyVar).trim();
    f = `${spec.style} ${family || 'sans-serif'}`;
    fonts.set(spec, f);
  }
  return f;
}

/**
 * `text` when it fits in `width` CSS pixels, else its longest prefix that fits with "…" after it.
 * Without a canvas (not a browser) the text comes back whole.
 */
export function fitText(text: string, width: number, spec: FontSpec): string {
  const c = context();
  if (!c || text.length === 0) return text;
  const font = fontOf(spec);
  const key = `${font}\u0000${width}\u0000${text}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  if (c.font !== font) c.font = font;
  let out = text;
  if (c.measureText(text).width > width) {
    // The longest prefix (whole code points) that fits with the ellipsis: a binary search.
    const chars = Array.from(text);
    let lo = 0;
    let hi = chars.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (c.measureText(chars.slice(0, mid).join('') + ELLIPSIS).width <= width) lo = mid;
      else hi = mid - 1;
    }
    out = chars.slice(0, lo).join('').trimEnd() + ELLIPSIS;
  }
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(key, out);
  return out;
}
