import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_LINE_CHARS,
  appendPage,
  dropTailBytes,
  emptyLog,
  hasNewer,
  hasOlder,
  prependPage,
  startAt,
  tailSegments,
  utf8Length,
} from '../../../renderer/src/logs/log-buffer.js';
import type { LogBuffer } from '../../../renderer/src/logs/log-buffer.js';

/** A file's pages as runs.logs serves them: byte offsets, never splitting a UTF-8 character. */
function file(text: string) {
  const bytes = Buffer.from(text, 'utf8');
  const cont = (i: number) => i < bytes.length && ((bytes[i] ?? 0) & 0xc0) === 0x80;
  return (offset: number, limit: number) => {
    let start = offset < 0 ? Math.max(0, bytes.length + offset) : offset;
    while (cont(start)) start++;
    let end = Math.min(bytes.length, start + limit);
    while (end > start && cont(end)) end--;
    return { text: bytes.subarray(start, end).toString('utf8'), offset: start, nextOffset: end, size: bytes.length };
  };
}
const texts = (b: LogBuffer) => b.lines.map((l) => l.segments.map((s) => s.text).join(''));

describe('log buffer', () => {
  test('appends pages across line boundaries and keeps the unfinished tail', () => {
    let b = emptyLog('r1');
    b = appendPage(b, { text: 'one\ntw', offset: 0, nextOffset: 6, size: 6 });
    assert.deepEqual(texts(b), ['one']);
    assert.equal(b.tail, 'tw');
    b = appendPage(b, { text: 'o\nthree\n', offset: 6, nextOffset: 14, size: 14 });
    assert.deepEqual(texts(b), ['one', 'two', 'three']);
    assert.equal(b.tail, '');
    assert.equal(b.endOffset, 14);
    assert.equal(tailSegments(b).length, 0);
  });

  test('never holds more than maxLines: the front is dropped and can be paged back in', () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `line ${i} ✓`);
    const read = file(lines.join('\n') + '\n');
    let b = emptyLog('r', 100);
    while (b.nextOffset < read(0, 0).size) b = appendPage(b, read(b.nextOffset, 777));
    assert.equal(b.lines.length, 100);
    assert.equal(texts(b)[0], 'line 900 ✓');
    assert.ok(hasOlder(b));
    assert.equal(hasNewer(b), false);
    // Scrolling up: older pages come back at the front, the end is dropped to stay bounded.
    b = prependPage(b, read(Math.max(0, b.startOffset - 500), 500));
    assert.equal(b.lines.length, 100);
    assert.ok(texts(b)[0]?.startsWith('line 8'));
    assert.ok(hasNewer(b), 'the dropped end is fetched again from nextOffset');
    // Offsets stay exact: the next page continues where the window ends.
    const next = read(b.nextOffset, 100);
    assert.ok(next.text.startsWith('line '), JSON.stringify(next.text.slice(0, 20)));
    b = appendPage(b, next);
    const all = texts(b);
    for (let i = 1; i < all.length; i++) {
      const n = (s: string | undefined) => Number(/line (\d+)/.exec(s ?? '')?.[1]);
      assert.equal(n(all[i]), n(all[i - 1]) + 1, `lines stay consecutive at ${i}`);
    }
  });

  test('starting from the end drops the partial first line; multi-byte text keeps exact offsets', () => {
    const text = 'αβγ first\nsecond ☃\nthird\n';
    const read = file(text);
    const b = startAt('r', read(-12, 12));
    assert.deepEqual(texts(b), ['third']);
    assert.equal(b.startOffset, utf8Length('αβγ first\nsecond ☃\n'));
    const older = prependPage(b, read(0, b.startOffset));
    assert.deepEqual(texts(older), ['αβγ first', 'second ☃', 'third']);
    assert.equal(older.startOffset, 0);
    assert.equal(hasOlder(older), false);
  });

  test('an older page that runs past the window (the engine moved its start off a split character) is trimmed', () => {
    const text = 'a·b\nsecond·line\nthird\n';
    const read = file(text);
    const b = startAt('r', read(utf8Length('a·b\n') - 1, 1000));
    assert.deepEqual(texts(b), ['second·line', 'third']);
    // Asked for [0, startOffset) but served a few bytes more, as runs.logs does after skipping a continuation byte.
    const page = read(0, b.startOffset + 3);
    assert.ok(page.nextOffset > b.startOffset);
    const older = prependPage(b, page);
    assert.deepEqual(texts(older), ['a·b', 'second·line', 'third']);
    assert.equal(dropTailBytes('x·y', 3), 'x');
    assert.equal(dropTailBytes('😀z', 1), '😀');
    assert.equal(dropTailBytes('😀z', 5), '');
  });

  test('a page that does not continue the window restarts it', () => {
    let b = appendPage(emptyLog('r'), { text: 'a\n', offset: 0, nextOffset: 2, size: 2 });
    b = appendPage(b, { text: 'zzz\nyyy\n', offset: 100, nextOffset: 108, size: 108 });
    assert.deepEqual(texts(b), ['yyy']);
    assert.equal(b.startOffset, 104);
  });

  test('an endless line is cut into pieces so one line cannot grow without bound', () => {
    const long = 'x'.repeat(MAX_LINE_CHARS * 2 + 10);
    const b = appendPage(emptyLog('r'), { text: long, offset: 0, nextOffset: long.length, size: long.length });
    assert.equal(b.lines.length, 2);
    assert.equal(b.tail.length, 10);
    assert.equal(b.endOffset, MAX_LINE_CHARS * 2);
  });

  test('ANSI colours continue across pages and lines', () => {
    let b = appendPage(emptyLog('r'), { text: '\u001b[31mred\nst', offset: 0, nextOffset: 11, size: 11 });
    b = appendPage(b, { text: 'ill red\n', offset: 11, nextOffset: 19, size: 19 });
    assert.equal(b.lines[1]?.segments[0]?.style?.fg, 1);
  });

  test('utf8Length counts bytes like Buffer', () => {
    for (const s of ['', 'abc', 'é', '☃', '😀', 'a😀b\u00ff']) assert.equal(utf8Length(s), Buffer.byteLength(s), s);
  });
});
