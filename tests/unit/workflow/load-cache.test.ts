/**
 * The handlers keep the last parse of each workflow file's text (createHandlers' shapeOf) and open
 * the last workflow in the background when a host starts (prepareLastWorkflow). Against a real
 * engine and real files: a changed file is parsed again, the editor's text is checked as itself,
 * and the warm-up loads exactly the last workflow and swallows its failures.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Handlers } from '../../../common/api/contract.js';
import { createHandlers, prepareLastWorkflow } from '../../../main/api/handlers.js';
import { REPO_ROOT, openEngine, tempDir } from '../../helpers.js';

const engine = openEngine();
after(() => engine.close());

function example(): { workflow: string; text: string } {
  const dir = tempDir('baton-load-cache-');
  fs.cpSync(path.join(REPO_ROOT, 'examples'), dir, { recursive: true });
  const workflow = path.join(dir, 'workflow.yaml');
  return { workflow, text: fs.readFileSync(workflow, 'utf8') };
}

describe('workflow parses kept by the handlers', () => {
  test('a changed file is parsed again; the same text gives the same answer', async () => {
    const h = createHandlers(engine);
    const { workflow, text } = example();
    const first = await h['workflows.load']({ file: workflow });
    assert.deepEqual(first.problems, []);
    const again = await h['workflows.load']({ file: workflow });
    assert.deepEqual(again, first);

    // The train step now names an entry point the project lacks: the next load sees it.
    const broken = text.replace('entry_point: train', 'entry_point: no_such_entry');
    assert.notEqual(broken, text);
    fs.writeFileSync(workflow, broken);
    const changed = await h['workflows.load']({ file: workflow });
    assert.equal(changed.yaml, broken);
    assert.ok(
      changed.problems.some((p) => p.message.includes('no_such_entry') && p.line !== undefined),
      JSON.stringify(changed.problems),
    );
    assert.equal(changed.parsed.spec?.steps.find((s) => s.name === 'train')?.entryPoint, 'no_such_entry');

    // Back to the first text: the first answer again.
    fs.writeFileSync(workflow, text);
    assert.deepEqual(await h['workflows.load']({ file: workflow }), first);
  });

  test("the editor's text is validated as itself, not as the file it belongs to", async () => {
    const h = createHandlers(engine);
    const { workflow, text } = example();
    await h['workflows.load']({ file: workflow });
    const edited = text.replace('entry_point: train', 'entry_point: no_such_entry');
    const { problems } = await h['workflows.validate']({ file: workflow, yaml: edited });
    assert.ok(problems.some((p) => p.message.includes('no_such_entry')), JSON.stringify(problems));
    assert.deepEqual((await h['workflows.validate']({ file: workflow, yaml: text })).problems, []);
    // Not YAML at all: its own problem, with a line.
    const bad = (await h['workflows.validate']({ file: workflow, yaml: 'steps: [unclosed\n' })).problems;
    assert.ok(bad.length > 0 && bad[0]?.line !== undefined, JSON.stringify(bad));
  });
});

describe('prepareLastWorkflow', () => {
  /** The handlers with every call recorded (method and input). */
  function recorded(h: Handlers): { handlers: Handlers; calls: [string, unknown][]; settled: Promise<void> } {
    const calls: [string, unknown][] = [];
    let done!: () => void;
    const settled = new Promise<void>((r) => (done = r));
    const handlers = new Proxy(h, {
      get(target, method: string) {
        const fn = target[method as keyof Handlers] as (input: unknown) => Promise<unknown>;
        return (input: unknown) => {
          calls.push([method, input]);
          // A handler may throw before it returns a promise (the dispatcher turns that into an error).
          let p: Promise<unknown>;
          try {
            p = fn(input);
          } catch (e) {
            p = Promise.reject(e instanceof Error ? e : new Error(String(e)));
          }
          // app.info with no last workflow, or the load: nothing follows.
          void p.then(
            (v) => {
              if (method !== 'app.info' || !(v as { lastWorkflow: string | null }).lastWorkflow) done();
            },
            () => done(),
          );
          return p;
        };
      },
    });
    return { handlers, calls, settled };
  }

  test('loads the last workflow once, in the background', async () => {
    const h = createHandlers(engine);
    const { workflow } = example();
    await h['app.setLastWorkflow']({ file: workflow });
    const r = recorded(h);
    prepareLastWorkflow(r.handlers);
    assert.deepEqual(r.calls, [], 'nothing runs before the host has returned');
    await r.settled;
    assert.deepEqual(r.calls, [
      ['app.info', {}],
      ['workflows.load', { file: workflow }],
    ]);
  });

  test('no last workflow: nothing is loaded; a broken one: the failure is swallowed', async () => {
    const h = createHandlers(engine);
    await h['app.setLastWorkflow']({ file: null });
    const none = recorded(h);
    prepareLastWorkflow(none.handlers);
    await none.settled;
    assert.deepEqual(none.calls, [['app.info', {}]]);

    const { workflow } = example();
    await h['app.setLastWorkflow']({ file: workflow });
    // The last workflow is now a folder: workflows.load rejects it.
    fs.rmSync(workflow);
    fs.mkdirSync(workflow);
    const broken = recorded(h);
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    prepareLastWorkflow(broken.handlers);
    await broken.settled;
    await new Promise((r) => setImmediate(r));
    process.off('unhandledRejection', onUnhandled);
    assert.deepEqual(broken.calls, [
      ['app.info', {}],
      ['workflows.load', { file: workflow }],
    ]);
    assert.deepEqual(unhandled, [], 'no unhandled rejection');
  });
});
