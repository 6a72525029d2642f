/**
 * app.openPath in the desktop shell (main/electron/open-path.ts) with a fake `shell.openPath` and
 * real folders: only existing absolute folders reach the shell; files, missing paths and relative
 * paths are refused with a message; the shell's own failure is reported.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { createOpenPath } from '../../../main/electron/open-path.js';
import { tempDir } from '../../helpers.js';

const dir = tempDir('baton-open-path-');
const file = path.join(dir, 'run.sh');
fs.writeFileSync(file, '#!/bin/sh\necho hi\n');

function withShell(answer = '') {
  const opened: string[] = [];
  const openPath = createOpenPath({
    openPath: (p) => {
      opened.push(p);
      return Promise.resolve(answer);
    },
  });
  return { opened, openPath };
}

test('an existing folder is opened (normalised)', async () => {
  const { opened, openPath } = withShell();
  assert.deepEqual(await openPath({ path: `${dir}/./` }), { ok: true, value: {} });
  assert.deepEqual(opened, [dir]);
});

test('files, missing and relative paths never reach the shell', async () => {
  const { opened, openPath } = withShell();
  const cases: [string, RegExp][] = [
    [file, /only folders are opened/],
    [path.join(dir, 'missing'), /does not exist/],
    ['relative/folder', /absolute folder path/],
  ];
  for (const [p, why] of cases) {
    const r = await openPath({ path: p });
    assert.ok(!r.ok, p);
    assert.equal(r.error.code, 'USAGE');
    assert.match(r.error.message, why);
  }
  assert.deepEqual(opened, []);
});

test("the shell's failure is reported", async () => {
  const { openPath } = withShell('No application is registered');
  const r = await openPath({ path: dir });
  assert.ok(!r.ok);
  assert.match(r.error.message, /could not open .*No application is registered/);
});
