import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { shellQuote } from '../../../common/shlex.js';

describe('shellQuote (Python shlex.quote)', () => {
  test('empty string becomes two single quotes', () => {
    assert.equal(shellQuote(''), "''");
  });

  test('safe characters [\\w@%+=:,./-] stay unquoted', () => {
    assert.equal(shellQuote('a=b,c:d/e.f@g%h+i-j_k0'), 'a=b,c:d/e.f@g%h+i-j_k0');
    assert.equal(shellQuote('0.10'), '0.10');
    assert.equal(shellQuote('/tmp/data.csv'), '/tmp/data.csv');
  });

  test('anything else is single-quoted', () => {
    assert.equal(shellQuote('a b'), "'a b'");
    assert.equal(shellQuote('$HOME'), "'$HOME'");
    assert.equal(shellQuote('*'), "'*'");
    assert.equal(shellQuote('~'), "'~'");
    assert.equal(shellQuote('{a}'), "'{a}'");
    assert.equal(shellQuote('x; touch /tmp/pwned'), "'x; touch /tmp/pwned'");
  });

  test("a single quote becomes '\"'\"'", () => {
    assert.equal(shellQuote("it's"), `'it'"'"'s'`);
  });

  test('\\w is ASCII only (re.ASCII): non-ASCII letters force quoting', () => {
    assert.equal(shellQuote('é'), "'é'");
    assert.equal(shellQuote('naïve'), "'naïve'");
  });

  test('bash reads every quoted value back unchanged, as one word', () => {
    const values = [
      '',
      'a b',
      "it's",
      '$(echo hi)',
      '`id`',
      'a\nb',
      '\\',
      '"',
      "''",
      '*?[]',
      'é ü',
      '-n',
      ';|&<>',
    ];
    for (const v of values) {
      const out = execFileSync('bash', ['-c', `printf '%s\\0' ${shellQuote(v)}`], { encoding: 'utf8' });
      assert.deepEqual(out.split('\0').slice(0, -1), [v], `round trip of ${JSON.stringify(v)}`);
    }
  });
});
