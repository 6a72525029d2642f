#!/usr/bin/env node
/**
 * Draws Baton's app icon and writes every format electron-builder wants, with nothing but Node's
 * zlib: resources/icon.png (512, also the Linux window icon), icons/{16..1024}x….png (Linux),
 * icon.ico (Windows: PNG entries up to 256) and icon.icns (macOS: PNG entries up to 1024).
 * Deterministic; the outputs are committed. Re-run after changing the drawing:
 *
 *   node resources/make-icons.mjs
 *
 * The drawing: a rounded blue square holding a tiny workflow — one step fanning out to two that
 * join again — as signed distance fields, 4×4 supersampled.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const OUT = path.dirname(fileURLToPath(import.meta.url));

// ---- drawing (coordinates in 0..1, y down) ----
const hex = (h) => [parseInt(h.slice(1, 3), 16) / 255, parseInt(h.slice(3, 5), 16) / 255, parseInt(h.slice(5, 7), 16) / 255];
const TOP = hex('#4263eb');
const BOTTOM = hex('#1c2f7a');
const WHITE = [1, 1, 1];
const NODES = [
  { x: 0.245, y: 0.5, color: hex('#ffd43b') },
  { x: 0.5, y: 0.305, color: hex('#63e6be') },
  { x: 0.5, y: 0.695, color: hex('#ff8787') },
  { x: 0.755, y: 0.5, color: hex('#b197fc') },
];
const EDGES = [
  [0, 1],
  [0, 2],
  [1, 3],
  [2, 3],
];

function sdRoundedSquare(x, y, inset, radius) {
  const hx = 0.5 - inset - radius;
  const qx = Math.abs(x - 0.5) - hx;
  const qy = Math.abs(y - 0.5) - hx;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
}

function sdSegment(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

/** Straight-alpha colour of one sample point. */
function sample(x, y) {
  if (sdRoundedSquare(x, y, 0.055, 0.19) > 0) return [0, 0, 0, 0];
  const t = y;
  let c = TOP.map((v, i) => v + (BOTTOM[i] - v) * t);
  const over = (color, alpha) => {
    c = c.map((v, i) => v + (color[i] - v) * alpha);
  };
  for (const [a, b] of EDGES) {
    const na = NODES[a];
    const nb = NODES[b];
    if (sdSegment(x, y, na.x, na.y, nb.x, nb.y) < 0.022) over(WHITE, 0.9);
  }
  for (const n of NODES) {
    const d = Math.hypot(x - n.x, y - n.y);
    if (d < 0.1) over(WHITE, 1);
    if (d < 0.078) over(n.color, 1);
  }
  return [...c, 1];
}

function render(size) {
  const ss = 4;
  const px = Buffer.alloc(size * size * 4);
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sj = 0; sj < ss; sj++) {
        for (let si = 0; si < ss; si++) {
          const [cr, cg, cb, ca] = sample((i + (si + 0.5) / ss) / size, (j + (sj + 0.5) / ss) / size);
          r += cr * ca;
          g += cg * ca;
          b += cb * ca;
          a += ca;
        }
      }
      const o = (j * size + i) * 4;
      if (a > 0) {
        px[o] = Math.round((r / a) * 255);
        px[o + 1] = Math.round((g / a) * 255);
        px[o + 2] = Math.round((b / a) * 255);
      }
      px[o + 3] = Math.round((a / (ss * ss)) * 255);
    }
  }
  return px;
}

// ---- PNG ----
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
function png(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4); // filter 0 per row
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---- ICO (PNG entries) and ICNS ----
function ico(entries) {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(entries.length, 4);
  let offset = 6 + 16 * entries.length;
  const dir = entries.map(({ size, data }) => {
    const e = Buffer.alloc(16);
    e[0] = size >= 256 ? 0 : size;
    e[1] = size >= 256 ? 0 : size;
    e.writeUInt16LE(1, 4); // planes
    e.writeUInt16LE(32, 6); // bits per pixel
    e.writeUInt32LE(data.length, 8);
    e.writeUInt32LE(offset, 12);
    offset += data.length;
    return e;
  });
  return Buffer.concat([header, ...dir, ...entries.map((e) => e.data)]);
}
function icns(entries) {
  const parts = entries.map(({ type, data }) => {
    const h = Buffer.alloc(8);
    h.write(type, 0, 'ascii');
    h.writeUInt32BE(data.length + 8, 4);
    return Buffer.concat([h, data]);
  });
  const body = Buffer.concat(parts);
  const h = Buffer.alloc(8);
  h.write('icns', 0, 'ascii');
  h.writeUInt32BE(body.length + 8, 4);
  return Buffer.concat([h, body]);
}

const sizes = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
const pngs = new Map(sizes.map((s) => [s, png(s, render(s))]));
fs.mkdirSync(path.join(OUT, 'icons'), { recursive: true });
for (const s of [16, 32, 48, 64, 128, 256, 512]) fs.writeFileSync(path.join(OUT, 'icons', `${s}x${s}.png`), pngs.get(s));
fs.writeFileSync(path.join(OUT, 'icon.png'), pngs.get(512));
fs.writeFileSync(path.join(OUT, 'icon.ico'), ico([16, 24, 32, 48, 64, 128, 256].map((size) => ({ size, data: pngs.get(size) }))));
fs.writeFileSync(
  path.join(OUT, 'icon.icns'),
  icns(
    [
      ['icp4', 16],
      ['icp5', 32],
      ['icp6', 64],
      ['ic07', 128],
      ['ic08', 256],
      ['ic09', 512],
      ['ic10', 1024],
    ].map(([type, size]) => ({ type, data: pngs.get(size) })),
  ),
);
console.error(`wrote icon.png, icons/*.png, icon.ico, icon.icns to ${OUT}`);
