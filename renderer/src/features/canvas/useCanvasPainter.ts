/**
 * A <canvas> repainted at most once per frame: the minimap and, zoomed out, the edges are drawn this
 * way instead of as one React component and SVG element per node or edge. `schedule()` asks for a
 * paint before the next frame; `paint` gets the 2D context sized to `width` × `height` CSS pixels at
 * the screen's pixel ratio (cleared, its transform the ratio's scale) and `color('--name')`, a custom
 * property of the page's style as a colour.
 */
import { useCallback, useEffect, useRef } from 'react';
import type { RefObject } from 'react';

export type ColorOf = (prop: string) => string;

export interface CanvasPainter {
  ref: RefObject<HTMLCanvasElement | null>;
  schedule: () => void;
}

export function useCanvasPainter(
  paint: (ctx: CanvasRenderingContext2D, canvas: HTMLCanvasElement, color: ColorOf) => void,
  size: () => { width: number; height: number },
): CanvasPainter {
  const ref = useRef<HTMLCanvasElement>(null);
  const frame = useRef(0);
  const paintRef = useRef(paint);
  const sizeRef = useRef(size);
  // Custom property → colour, kept between paints: reading them is a style recalculation of the
  // whole page when it is dirty (~40 ms with 500 steps just mounted). Emptied when the scheme changes.
  const colors = useRef(new Map<string, string>());

  const draw = useCallback(() => {
    frame.current = 0;
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const { width, height } = sizeRef.current();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(width * dpr));
    const h = Math.max(1, Math.round(height * dpr));
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
      canvas.style.width = `${width}px`;
      canvas.style.height = `${height}px`;
    }
    const cache = colors.current;
    let css: CSSStyleDeclaration | null = null;
    const color: ColorOf = (prop) => {
      let c = cache.get(prop);
      if (c === undefined) {
        css ??= getComputedStyle(canvas);
        c = css.getPropertyValue(prop).trim() || '#999';
        cache.set(prop, c);
      }
      return c;
    };
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    paintRef.current(ctx, canvas, color);
  }, []);

  const schedule = useCallback(() => {
    if (!frame.current) frame.current = requestAnimationFrame(draw);
  }, [draw]);

  useEffect(() => {
    paintRef.current = paint;
    sizeRef.current = size;
    schedule();
  }, [paint, size, schedule]);

  useEffect(() => {
    // The colours follow the system's light or dark scheme.
    const scheme = window.matchMedia('(prefers-color-scheme: dark)');
    const onScheme = (): void => {
      colors.current.clear();
      schedule();
    };
    scheme.addEventListener('change', onScheme);
    // The pixel ratio changes with the page's zoom and between screens: repaint at the new one.
    let ratio: MediaQueryList | null = null;
    const watchRatio = (): void => {
      ratio?.removeEventListener('change', onRatio);
      ratio = window.matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
      ratio.addEventListener('change', onRatio);
    };
    const onRatio = (): void => {
      watchRatio();
      schedule();
    };
    watchRatio();
    return () => {
      scheme.removeEventListener('change', onScheme);
      ratio?.removeEventListener('change', onRatio);
      if (frame.current) cancelAnimationFrame(frame.current);
      frame.current = 0;
    };
  }, [schedule]);

  return { ref, schedule };
}
