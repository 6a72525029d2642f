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
/**
 * No printable ASCII glyph of a text font is wider than this many ems (the widest, `@`, `W` and `M`,
 * are about 1 em in common faces, 0.6 in monospaced ones): a short ASCII text fits without measuring.
 */
const MAX_ASCII_EM = 1.25;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const MAX_CACHED = 20_000;
const cache = new Map<string, string>();
const fonts = new Map<FontSpec, string>();
/** What fitting needs of a 2D canvas context (structural: the module also loads, inert, under Node). */
interface Measurer {
  font: string;
  measureText(text: string): { width: number };
}
interface DomLike {
  document?: { createElement(tag: 'canvas'): { getContext(kind: '2d'): Measurer | null }; documentElement: object };
  getComputedStyle?(el: object): { getPropertyValue(name: string): string };
}
const dom = globalThis as DomLike;
let ctx: Measurer | null | undefined;

function context(): Measurer | null {
  if (ctx === undefined) ctx = dom.document ? dom.document.createElement('canvas').getContext('2d') : null;
  return ctx;
}

const sizes = new Map<FontSpec, number | null>();

/** The font size in pixels of a `FontSpec` style (`600 12px` → 12), or null when it has none; parsed once per spec. */
function pxOf(spec: FontSpec): number | null {
  let px = sizes.get(spec);
  if (px === undefined) {
    const m = /(\d+(?:\.\d+)?)px/.exec(spec.style);
    px = m ? Number(m[1]) : null;
    sizes.set(spec, px);
  }
  return px;
}

function fontOf(spec: FontSpec): string {
  let f = fonts.get(spec);
  if (f === undefined) {
    const family =
      dom.document && dom.getComputedStyle
        ? dom.getComputedStyle(dom.document.documentElement).getPropertyValue(spec.familyVar).trim()
        : '';
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
  // Most cells are short: no canvas measure (the first one also sets up the canvas's font).
  const px = pxOf(spec);
  if (px !== null && text.length * px * MAX_ASCII_EM <= width && PRINTABLE_ASCII.test(text)) return text;
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
