/**
 * runs.searchLogs and runs.artifacts / runs.artifactPreview through the dispatcher, on real files:
 * text and regex search (case, ANSI codes, byte offsets, a log larger than the read chunks, a line
 * longer than a chunk, an invalid regex), artifact folders (order, sizes, nested paths), previews
 * (text, truncated UTF-8, PNG, binary, a mislabelled image) and the refusals: `..`, absolute paths,
 * symlinks out of the artifact folder.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { MethodInput, MethodName, MethodOutput } from '../../../common/api/contract.js';
import { createDispatcher, createHandlers } from '../../../main/api/handlers.js';
import { searchLog } from '../../../main/engine/history/log-search.js';
import { fileUri } from '../../../main/engine/store/store.js';
import { openEngine, tempDir } from '../../helpers.js';
import { createBareRun } from './helpers.js';

const engine = openEngine();
after(() => engine.close());
const dispatch = createDispatcher(createHandlers(engine));
const work = tempDir('baton-history-files-');

function newRun(id: string, opts: { log?: string | null; artifacts?: string } = {}): string {
  return createBareRun(engine, id, {
    artifactUri: (runId) => opts.artifacts ?? fileUri(path.join(work, runId, 'artifacts')),
    logPath: opts.log ?? null,
  });
}

async function ok<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const r = await dispatch(method, input);
  assert.ok(r.ok, JSON.stringify(r));
  return r.value as MethodOutput<M>;
}
async function fail(method: MethodName, input: unknown): Promise<{ code: string; message: string }> {
  const r = await dispatch(method, input);
  assert.ok(!r.ok, `expected ${method} ${JSON.stringify(input)} to fail`);
  return r.error;
}

describe('runs.searchLogs', () => {
  const logFile = path.join(work, 'out.log');
  fs.writeFileSync(
    logFile,
    ['epoch 1 loss=0.9', '\x1b[31mERROR\x1b[0m: disk full', 'epoch 2 loss=0.5', 'Warning: résumé', 'error again\r', 'last line without newline'].join('\n'),
  );
  const runId = newRun('a1', { log: logFile });

  test('plain text, case-insensitive by default; ANSI codes do not hide a match; byte offsets', async () => {
    const r = await ok('runs.searchLogs', { runId, query: 'error' });
    assert.equal(r.truncated, false);
    assert.deepEqual(
      r.matches.map((m) => m.line),
      [2, 5],
    );
    assert.equal(r.matches[0]!.text, '\x1b[31mERROR\x1b[0m: disk full', 'the line as written, colours kept');
    assert.equal(r.matches[1]!.text, 'error again', 'CR of a CRLF line dropped');
    const bytes = fs.readFileSync(logFile);
    for (const m of r.matches) assert.equal(bytes.subarray(m.offset).toString('utf8').split('\n')[0]!.replace(/\r$/, ''), m.text);
    const cs = await ok('runs.searchLogs', { runId, query: 'error', caseSensitive: true });
    assert.deepEqual(cs.matches.map((m) => m.line), [5]);
    const accents = await ok('runs.searchLogs', { runId, query: 'RÉSUMÉ' });
    assert.deepEqual(accents.matches.map((m) => m.line), [4]);
    const last = await ok('runs.searchLogs', { runId, query: 'without newline' });
    assert.deepEqual(last.matches.map((m) => m.line), [6]);
  });

  test('regular expressions; maxMatches truncates', async () => {
    const r = await ok('runs.searchLogs', { runId, query: 'loss=0\\.[5-9]$', regex: true });
    assert.deepEqual(r.matches.map((m) => m.line), [1, 3]);
    const t = await ok('runs.searchLogs', { runId, query: 'e', maxMatches: 2 });
    assert.equal(t.matches.length, 2);
    assert.equal(t.truncated, true);
  });

  test('an invalid regex is USAGE naming it; unknown run is RUN_NOT_FOUND; no log is no match', async () => {
    const e = await fail('runs.searchLogs', { runId, query: 'loss=(', regex: true });
    assert.equal(e.code, 'USAGE');
    assert.match(e.message, /Invalid regular expression \/loss=\(\//);
    assert.equal((await fail('runs.searchLogs', { runId: 'ffffff0000', query: 'x' })).code, 'RUN_NOT_FOUND');
    assert.equal((await fail('runs.searchLogs', { runId, query: '' })).code, 'USAGE');
    const none = newRun('a2');
    assert.deepEqual(await ok('runs.searchLogs', { runId: none, query: 'x' }), { matches: [], truncated: false });
  });

  test('a log larger than the read chunks: line numbers and offsets stay exact', async () => {
    const big = path.join(work, 'big.log');
    const fd = fs.openSync(big, 'w');
    const lines: string[] = [];
    for (let i = 1; i <= 120_000; i++) lines.push(i % 25_000 === 0 ? `line ${i} NEEDLE ✓` : `line ${i} ${'x'.repeat(i % 40)}`);
    fs.writeSync(fd, lines.join('\n'));
    fs.closeSync(fd);
    assert.ok(fs.statSync(big).size > 3 * 1024 * 1024);
    const r = await searchLog(big, 'needle');
    assert.deepEqual(
      r.matches.map((m) => m.line),
      [25_000, 50_000, 75_000, 100_000],
    );
    const bytes = fs.readFileSync(big);
    for (const m of r.matches) assert.equal(bytes.subarray(m.offset, m.offset + Buffer.byteLength(m.text)).toString('utf8'), m.text);
  });

  test('a line longer than a chunk is searched in pieces, without splitting characters', async () => {
    const long = path.join(work, 'long.log');
    fs.writeFileSync(long, `start\n${'é'.repeat(1_600_000)}TARGET${'z'.repeat(10)}\nend\n`);
    const r = await searchLog(long, 'target');
    assert.equal(r.matches.length, 1);
    assert.equal(r.matches[0]!.line, 2);
    assert.ok(r.matches[0]!.offset > 6, 'reported at the piece it is in');
    assert.ok(!r.matches[0]!.text.includes('\ufffd'));
    const end = await searchLog(long, 'end');
    assert.deepEqual(end.matches.map((m) => m.line), [3]);
  });

  test('the big log by regex: the same lines as a plain search, and maxMatches stops it', async () => {
    const big = path.join(work, 'big.log');
    const r = await searchLog(big, 'NEEDLE ✓$', { regex: true, caseSensitive: true });
    assert.deepEqual(r.matches.map((m) => m.line), [25_000, 50_000, 75_000, 100_000]);
    const two = await searchLog(big, '^line \\d+ NEEDLE', { regex: true, maxMatches: 2 });
    assert.deepEqual(two, { matches: two.matches.slice(0, 2), truncated: true });
    assert.deepEqual(two.matches.map((m) => m.line), [25_000, 50_000]);
  });

  test('a runaway regular expression is stopped with an error that says why; the process goes on', { timeout: 60_000 }, async () => {
    const evil = path.join(work, 'evil.log');
    fs.writeFileSync(evil, `fine line\n${'a'.repeat(40)}!\nmore\n`);
    // (a+)+$ backtracks exponentially on a run of a's that does not end the line: hours at 40.
    await assert.rejects(searchLog(evil, '(a+)+$', { regex: true, regexChunkMs: 200 }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'USAGE');
      assert.match(e.message, /^The regular expression \/\(a\+\)\+\$\/ took more than 0\.2 s .* backtracks too much/);
      return true;
    });
    // Through the API, with the default limit, the same error reaches the caller.
    const id = newRun('e0e0e1', { log: evil });
    const err = await fail('runs.searchLogs', { runId: id, query: '(a+)+$', regex: true });
    assert.equal(err.code, 'USAGE');
    assert.match(err.message, /took more than 2 s/);
    // The same expression on lines it can decide quickly is fine.
    assert.deepEqual((await searchLog(evil, '^(a+)+!$', { regex: true })).matches.map((m) => m.line), [2]);
  });
});

describe('runs.artifacts and runs.artifactPreview', () => {
  const runId = newRun('b1');
  const root = path.join(work, runId, 'artifacts');
  const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
  fs.mkdirSync(path.join(root, 'model', 'sub'), { recursive: true });
  fs.writeFileSync(path.join(root, 'metrics.json'), '{"rmse": 0.5}\n');
  fs.writeFileSync(path.join(root, 'plot.png'), PNG);
  fs.writeFileSync(path.join(root, 'fake.png'), 'not really a png');
  fs.writeFileSync(path.join(root, 'model', 'weights.bin'), Buffer.from([0, 1, 2, 3, 255, 0]));
  fs.writeFileSync(path.join(root, 'model', 'sub', 'notes.txt'), 'ünïcödé '.repeat(1000));
  const outside = path.join(work, 'secret.txt');
  fs.writeFileSync(outside, 'secret');
  fs.symlinkSync(outside, path.join(root, 'link-out.txt'));
  fs.symlinkSync(path.join(root, 'metrics.json'), path.join(root, 'link-in.json'));
  fs.symlinkSync(work, path.join(root, 'dir-out'));

  test('a folder: folders first, then files, by name; sizes; links out of the folder not shown', async () => {
    const r = await ok('runs.artifacts', { runId });
    assert.equal(r.path, '');
    assert.deepEqual(
      r.entries.map((e) => [e.name, e.kind, e.size]),
      [
        ['model', 'dir', 0],
        ['fake.png', 'file', 16],
        ['link-in.json', 'file', 14],
        ['metrics.json', 'file', 14],
        ['plot.png', 'file', PNG.length],
      ],
    );
    const sub = await ok('runs.artifacts', { runId, path: 'model/' });
    assert.deepEqual(sub, {
      path: 'model',
      entries: [
        { name: 'sub', path: 'model/sub', kind: 'dir', size: 0 },
        { name: 'weights.bin', path: 'model/weights.bin', kind: 'file', size: 6 },
      ],
    });
  });

  test('previews: text, truncated text cut on a character, image, binary, a mislabelled image', async () => {
    const json = await ok('runs.artifactPreview', { runId, path: 'metrics.json' });
    assert.deepEqual(json, { path: 'metrics.json', size: 14, kind: 'text', mime: 'application/json', text: '{"rmse": 0.5}\n', dataUrl: null, truncated: false });
    const notes = await ok('runs.artifactPreview', { runId, path: 'model/sub/notes.txt', maxBytes: 100 });
    assert.equal(notes.kind, 'text');
    assert.equal(notes.truncated, true);
    assert.ok(Buffer.byteLength(notes.text!) <= 100 && !notes.text!.includes('\ufffd'));
    assert.ok('ünïcödé '.repeat(20).startsWith(notes.text!));
    const png = await ok('runs.artifactPreview', { runId, path: 'plot.png' });
    assert.equal(png.kind, 'image');
    assert.equal(png.dataUrl, `data:image/png;base64,${PNG.toString('base64')}`);
    const tooBig = await ok('runs.artifactPreview', { runId, path: 'plot.png', maxBytes: 10 });
    assert.deepEqual([tooBig.kind, tooBig.dataUrl, tooBig.truncated], ['image', null, true]);
    const bin = await ok('runs.artifactPreview', { runId, path: 'model/weights.bin' });
    assert.deepEqual([bin.kind, bin.text, bin.dataUrl, bin.size], ['binary', null, null, 6]);
    const fake = await ok('runs.artifactPreview', { runId, path: 'fake.png' });
    assert.equal(fake.kind, 'text', 'an image extension without the image signature is not shown as an image');
    assert.equal((await ok('runs.artifactPreview', { runId, path: 'link-in.json' })).text, '{"rmse": 0.5}\n');
  });

  test('paths out of the artifact folder are refused', async () => {
    for (const p of ['../secret.txt', 'model/../../secret.txt', '/etc/passwd', 'link-out.txt', 'dir-out/secret.txt', 'a\u0000b']) {
      const e = await fail('runs.artifactPreview', { runId, path: p });
      assert.equal(e.code, 'USAGE', p);
      assert.match(e.message, /refused|does not exist/, p);
    }
    for (const p of ['..', '../..', 'dir-out', '/tmp']) {
      const e = await fail('runs.artifacts', { runId, path: p });
      assert.equal(e.code, 'USAGE', p);
    }
    assert.match((await fail('runs.artifactPreview', { runId, path: 'link-out.txt' })).message, /outside the artifact folder/);
  });

  test('missing files, folders as files and files as folders are clear errors', async () => {
    assert.match((await fail('runs.artifactPreview', { runId, path: 'nope.txt' })).message, /does not exist/);
    assert.match((await fail('runs.artifactPreview', { runId, path: 'model' })).message, /is a folder/);
    assert.match((await fail('runs.artifacts', { runId, path: 'metrics.json' })).message, /is a file/);
  });

  test('a run without artifacts lists nothing; a run on a tracking server is refused', async () => {
    const empty = newRun('b2');
    assert.deepEqual(await ok('runs.artifacts', { runId: empty }), { path: '', entries: [] });
    assert.equal((await fail('runs.artifacts', { runId: empty, path: 'x' })).code, 'USAGE');
    const remote = newRun('b3', { artifacts: 'mlflow-artifacts:/1/abc/artifacts' });
    assert.match((await fail('runs.artifacts', { runId: remote })).message, /on the tracking server/);
  });

  test('app.openPath is only for the desktop app', async () => {
    const e = await fail('app.openPath', { path: root });
    assert.equal(e.code, 'USAGE');
    assert.match(e.message, /only in the desktop app/);
  });
});
