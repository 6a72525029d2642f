import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_STYLE, applySgr, paletteToCss, parseAnsiLine, stripAnsi, styleToCss } from '../../../renderer/src/logs/ansi.js';

const ESC = '\u001b';

describe('ANSI parser', () => {
  test('plain text is one unstyled segment', () => {
    assert.deepEqual(parseAnsiLine('hello world').segments, [{ text: 'hello world', style: null }]);
  });

  test('basic colours, bold and reset', () => {
    const { segments, state } = parseAnsiLine(`a${ESC}[31mred${ESC}[1;32mgreen${ESC}[0mplain`);
    assert.deepEqual(
      segments.map((s) => [s.text, s.style?.fg ?? null, s.style?.bold ?? false]),
      [
        ['a', null, false],
        ['red', 1, false],
        ['green', 2, true],
        ['plain', null, false],
      ],
    );
    assert.equal(state, DEFAULT_STYLE);
  });

  test('bright, 256 and truecolour, foreground and background', () => {
    const { segments } = parseAnsiLine(`${ESC}[94mA${ESC}[38;5;196;48;5;21mB${ESC}[38;2;255;128;0mC${ESC}[39;49mD`);
    assert.equal(segments[0]?.style?.fg, 12);
    assert.equal(segments[1]?.style?.fg, 196);
    assert.equal(segments[1]?.style?.bg, 21);
    assert.equal(segments[2]?.style?.fg, '#ff8000');
    assert.equal(segments[3]?.style, null);
    assert.equal(paletteToCss(196), '#ff0000');
    assert.equal(paletteToCss(244), '#808080');
    assert.equal(paletteToCss(3), 'var(--ansi-3)');
  });

  test('style carries over to the next line', () => {
    const first = parseAnsiLine(`${ESC}[33mstarts yellow`);
    const second = parseAnsiLine('still yellow', first.state);
    assert.equal(second.segments[0]?.style?.fg, 3);
  });

  test('other escape sequences are dropped', () => {
    assert.equal(stripAnsi(`${ESC}[2K${ESC}[1Gclear${ESC}]0;title${'\u0007'}ed${ESC}]8;;http://x${ESC}\\link${ESC}]8;;${ESC}\\`), 'clearedlink');
    assert.equal(stripAnsi(`a${ESC}(Bb`), 'ab');
    assert.equal(stripAnsi(`cut${ESC}[3`), 'cut');
  });

  test('carriage return overwrites the line like a terminal, CRLF does not', () => {
    assert.equal(stripAnsi('progress 10%\rprogress 50%\rprogress 100%'), 'progress 100%');
    assert.equal(stripAnsi('windows line\r'), 'windows line');
    assert.equal(stripAnsi('abc\u0008d'), 'abd');
  });

  test('SGR details: 22 clears bold/dim, inverse swaps colours in CSS', () => {
    const s = applySgr(applySgr(DEFAULT_STYLE, [1, 2, 31]), [22]);
    assert.equal(s.bold, false);
    assert.equal(s.dim, false);
    const css = styleToCss(applySgr(DEFAULT_STYLE, [7, 32]));
    assert.equal(css.background, 'var(--ansi-2)');
    assert.equal(css.color, 'var(--log-bg)');
    // Bold brightens base colours.
    assert.equal(styleToCss(applySgr(DEFAULT_STYLE, [1, 31])).color, 'var(--ansi-9)');
    assert.equal(styleToCss(null).className, '');
  });
});
