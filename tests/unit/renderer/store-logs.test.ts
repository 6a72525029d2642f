/**
 * A step that prints megabytes (with colours and progress-bar carriage returns): the log window
 * stays bounded, ends exactly where the file ends, and older pages load on demand.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { hasOlder } from '../../../renderer/src/logs/log-buffer.js';
import { storeOnEngine, tempDir, waitFor } from './helpers.js';

const LINES = 120_000; // ≈ 5 MB

const t = storeOnEngine();
const s = () => t.store.getState();
const text = (i: number) => s().log.lines[i]?.segments.map((x) => x.text).join('') ?? '';

describe('logs of a step that prints megabytes', () => {
  test('bounded window, exact end, colours, older pages on demand', async () => {
    const dir = tempDir('baton-ui-loud-');
    const project = path.join(dir, 'loud');
    fs.mkdirSync(project);
    fs.writeFileSync(
      path.join(project, 'MLproject'),
      'name: loud\nentry_points:\n  main:\n    command: "python loud.py"\n',
    );
    fs.writeFileSync(
      path.join(project, 'loud.py'),
      `import sys\nw = sys.stdout.write\nfor i in range(${LINES}):\n    w(f"\\x1b[32mline {i:06d}\\x1b[0m " + "x" * 24 + "\\n")\nw("progress 10%\\rprogress 100%\\n")\nw("\\x1b[1;31mdone\\x1b[0m\\n")\n`,
    );
    const file = path.join(dir, 'wf.yaml');
    fs.writeFileSync(file, 'version: 1\nname: loud\nsteps:\n  loud:\n    project: ./loud\n');
    assert.ok(await s().openWorkflow(file));
    s().selectNodes(['loud']);
    const id = await s().startRun();
    assert.ok(id);
    await waitFor('finished', () => s().workflowRun?.status === 'FINISHED', 60_000);
    await waitFor('log caught up', () => !s().logLoading && s().log.size > 0 && s().log.nextOffset === s().log.size, 30_000);
    const log = s().log;
    assert.ok(log.lines.length <= log.maxLines, `window holds ${log.lines.length} lines`);
    assert.ok(log.size > 4_000_000, `the file is ${log.size} bytes`);
    assert.equal(text(log.lines.length - 1), 'done');
    assert.equal(log.lines[log.lines.length - 1]?.segments[0]?.style?.fg, 1);
    assert.equal(text(log.lines.length - 2), 'progress 100%');
    assert.match(text(0), /^line \d{6} x{24}$/);
    assert.equal(log.lines[0]?.segments[0]?.style?.fg, 2);
    assert.ok(hasOlder(log));

    // Scrolling up pages older output in; the window stays bounded and contiguous.
    const firstBefore = Number(/line (\d+)/.exec(text(0))?.[1]);
    await s().fetchOlderLog();
    const firstAfter = Number(/line (\d+)/.exec(text(0))?.[1]);
    assert.ok(firstAfter < firstBefore, `${firstAfter} < ${firstBefore}`);
    assert.ok(s().log.lines.length <= s().log.maxLines);
    for (let i = 1; i < 50; i++) assert.equal(Number(/line (\d+)/.exec(text(i))?.[1]), firstAfter + i);
  });
});
