/**
 * The packaged desktop app ships its examples as read-only resources (electron-builder.yml
 * extraResources); `app.info` copies them into the data folder the first time and offers the copy
 * (HostCapabilities.examples, handlers.ts copiedExamples). On real files and a real engine: the
 * copy is complete and its workflow loads, later calls keep the person's edits, a missing source
 * offers nothing, and a copy cut short is never taken for one.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { copiedExamples, createHandlers } from '../../../main/api/handlers.js';
import { REPO_ROOT, openEngine, tempDir } from '../../helpers.js';

const engine = openEngine();
after(() => engine.close());

/** The repository's examples as the packaged app has them: a folder of their own. */
function bundled(): string {
  const dir = path.join(tempDir('baton-resources-'), 'examples');
  fs.cpSync(path.join(REPO_ROOT, 'examples'), dir, { recursive: true });
  return dir;
}

describe('bundled examples', () => {
  test('app.info offers a copy in the data folder; its workflow loads; a second call keeps edits', async () => {
    const source = bundled();
    const h = createHandlers(engine, { examples: source });
    const home = engine.layout.home;
    fs.rmSync(path.join(home, 'examples'), { recursive: true, force: true });
    const info = await h['app.info']({});
    assert.equal(info.exampleProject, path.join(home, 'examples', 'multistep'));
    assert.equal(info.exampleWorkflow, path.join(home, 'examples', 'workflow.yaml'));
    assert.ok(fs.existsSync(path.join(home, 'examples', 'multistep', 'MLproject')));
    assert.deepEqual(fs.readdirSync(path.join(home, 'examples', 'multistep')).sort(), fs.readdirSync(path.join(source, 'multistep')).sort());
    const load = await h['workflows.load']({ file: info.exampleWorkflow });
    assert.deepEqual(load.problems, [], 'the copied workflow finds its project next to it');

    // The person edits the copy; the next start keeps it (and never writes into the resources).
    fs.appendFileSync(info.exampleWorkflow, '# my note\n');
    const again = await h['app.info']({});
    assert.equal(again.exampleWorkflow, info.exampleWorkflow);
    assert.ok(fs.readFileSync(info.exampleWorkflow, 'utf8').endsWith('# my note\n'));
    assert.ok(!fs.readFileSync(path.join(source, 'workflow.yaml'), 'utf8').includes('# my note'));
  });

  test('no source and no copy: nothing offered, nothing left behind; a stale partial copy is replaced', () => {
    const home = tempDir('baton-home-');
    assert.equal(copiedExamples(path.join(home, 'missing'), home), null);
    assert.deepEqual(fs.readdirSync(home), []);
    // A copy cut short by a crash earlier: never taken for one, replaced by a whole copy.
    fs.mkdirSync(path.join(home, 'examples.partial', 'multistep'), { recursive: true });
    fs.writeFileSync(path.join(home, 'examples.partial', 'multistep', 'junk'), 'x');
    const dest = copiedExamples(bundled(), home);
    assert.equal(dest, path.join(home, 'examples'));
    assert.deepEqual(fs.readdirSync(home).sort(), ['examples']);
    assert.ok(!fs.existsSync(path.join(dest, 'multistep', 'junk')));
    assert.ok(fs.existsSync(path.join(dest, 'workflow.yaml')));
  });

  test('a copy that fails offers nothing and leaves no partial folder', async () => {
    const home = tempDir('baton-home-');
    // The data folder's "examples.partial" cannot be made: a file named like its parent is in the way.
    const blocked = path.join(home, 'blocked');
    fs.writeFileSync(blocked, 'not a folder');
    assert.equal(copiedExamples(bundled(), blocked), null);
    // Without a host option, the checkout's examples are offered as they are.
    const info = await createHandlers(engine)['app.info']({});
    assert.equal(info.exampleProject, path.join(REPO_ROOT, 'examples', 'multistep'));
  });
});
