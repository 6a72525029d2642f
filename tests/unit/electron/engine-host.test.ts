/**
 * The real engine host (main/electron/engine-host.ts) in a real child process, driven by the real
 * relay — Node's child_process IPC standing in for Electron's utilityProcess/parentPort, which the
 * host supports for exactly this. Calls, events from a real workflow run, a dialog round trip, the
 * process being killed mid-call (INTERNAL, then restarted), and a clean shutdown.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { DialogRequest, ToHost } from '../../../main/electron/engine-protocol.js';
import type { EngineProcessLike } from '../../../main/electron/engine-relay.js';
import { EngineRelay } from '../../../main/electron/engine-relay.js';
import { REPO_ROOT, makeProject, tempDir, writeFiles } from '../../helpers.js';

const HOST = path.join(REPO_ROOT, 'main', 'electron', 'engine-host.ts');

/** A forked engine host as the relay sees a UtilityProcess. */
class ForkedHost extends EventEmitter implements EngineProcessLike {
  readonly child: ChildProcess;
  constructor(home: string) {
    super();
    this.child = fork(HOST, ['--home', home], {
      execArgv: ['--import', 'tsx'],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.child.on('message', (m) => this.emit('message', m));
    this.child.on('exit', (code, signal) => this.emit('exit', code ?? 128 + (signal ? os.constants.signals[signal] : 0)));
  }
  get pid() {
    return this.child.pid;
  }
  postMessage(message: ToHost): void {
    if (!this.child.connected) throw new Error('the engine process is not connected');
    this.child.send(message);
  }
  kill(): boolean {
    return this.child.kill();
  }
}

function until<T>(fn: () => T | undefined | null | false, what: string, ms = 30_000): Promise<T> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      const v = fn();
      if (v) return resolve(v);
      if (Date.now() - start > ms) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(poll, 20);
    };
    poll();
  });
}

describe('engine host in a child process', { timeout: 120_000 }, () => {
  test('serves the API, relays events and dialogs, survives being killed, shuts down cleanly', async () => {
    const home = tempDir('baton-host-');
    const hosts: ForkedHost[] = [];
    const events: [string, unknown][] = [];
    const dialogs: DialogRequest[] = [];
    let answerDialog: ((path: string | null) => void) | null = null;
    const relay = new EngineRelay({
      spawn: () => {
        const h = new ForkedHost(home);
        hosts.push(h);
        return h;
      },
      onEvent: (name, payload) => events.push([name, payload]),
      showDialog: (request) => {
        dialogs.push(request);
        return new Promise((resolve) => (answerDialog = resolve));
      },
      callTimeoutMs: 30_000,
    });

    try {
      // Plain calls.
      const info = await relay.call('app.info', {});
      assert.ok(info.ok, JSON.stringify(info));
      assert.equal((info.value as { home: string }).home, home);
      const project = await relay.call('projects.open', { path: path.join(REPO_ROOT, 'examples', 'multistep') });
      assert.ok(project.ok);
      assert.ok((project.value as { entryPoints: { name: string }[] }).entryPoints.some((e) => e.name === 'load_raw_data'));
      const bad = await relay.call('runs.get', { runId: 'zz' });
      assert.ok(!bad.ok && bad.error.code === 'USAGE');

      // A workflow run: its events come back through the relay.
      const proj = makeProject('name: p\nentry_points:\n  main:\n    command: "echo hello from the engine process"\n');
      const wf = writeFiles(tempDir('baton-wf-'), {
        'flow.yaml': `version: 1\nname: tiny\nsteps:\n  only:\n    project: ${JSON.stringify(proj)}\n    entry_point: main\n`,
      });
      const started = await relay.call('workflows.run', { file: path.join(wf, 'flow.yaml') });
      assert.ok(started.ok, JSON.stringify(started));
      const workflowRunId = (started.value as { workflowRunId: string }).workflowRunId;
      await until(
        () => events.some(([n, p]) => n === 'workflowRun.updated' && (p as { status: string; workflowRunId: string }).status === 'FINISHED'),
        'workflowRun.updated FINISHED',
      );
      assert.ok(events.some(([n]) => n === 'run.updated'));
      const wr = await relay.call('workflowRuns.get', { workflowRunId });
      assert.ok(wr.ok && (wr.value as { status: string }).status === 'FINISHED');

      // A dialog round trip through the main process.
      const pick = relay.call('dialogs.openFolder', { title: 'Pick a project' });
      await until(() => answerDialog, 'the dialog request');
      assert.deepEqual(dialogs, [{ kind: 'openFolder', title: 'Pick a project', defaultPath: undefined }]);
      answerDialog!('/picked');
      assert.deepEqual(await pick, { ok: true, value: { path: '/picked' } });

      // The process dies while a call is in flight: that call gets INTERNAL, the engine comes back.
      answerDialog = null;
      const first = hosts[0]!;
      const stuck = relay.call('dialogs.openFolder', {});
      await until(() => answerDialog, 'the second dialog request');
      first.child.kill('SIGKILL');
      const lost = await stuck;
      assert.ok(!lost.ok && lost.error.code === 'INTERNAL', JSON.stringify(lost));
      assert.match(lost.error.message, /stopped unexpectedly \(exit code 137\) while handling dialogs\.openFolder\. It has been restarted; try again\./);
      assert.equal(hosts.length, 2);
      const again = await relay.call('workflowRuns.get', { workflowRunId });
      assert.ok(again.ok, 'the restarted engine reads the same history');
      assert.equal(relay.state, 'ready');
      assert.notEqual(relay.pid, first.pid);

      // Shutdown: the host closes the engine and exits 0.
      const second = hosts[1]!;
      const exited = new Promise<number | null>((r) => second.child.once('exit', (code) => r(code)));
      await relay.stop();
      assert.equal(await exited, 0);
      assert.equal(relay.state, 'stopped');
    } finally {
      for (const h of hosts) if (h.child.exitCode === null && h.child.signalCode === null) h.child.kill('SIGKILL');
    }
  });
});
