/**
 * The web host end to end: real HTTP on port 0 against a real engine (SQLite in a temp folder, real
 * step processes) and a temp renderer build. Covers the security model (token, Host, Origin), the
 * API's status mapping and input checks (the engine never sees a bad request), the event stream
 * (real run events, validation, replay, heartbeats, slow clients), static serving (types, caching,
 * traversal, SPA fallback, headers) and `baton ui` as a process. Build first for the CLI part:
 * `npm run build:main`.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Engine } from '../../main/engine/engine.js';
import type { WebHost } from '../../main/server/web-host.js';
import { startWebHost } from '../../main/server/web-host.js';
import {
  CLI,
  REPO_ROOT,
  makeProject,
  openEngine,
  runCli,
  tempDir,
  waitUntil,
  writeFiles,
} from '../helpers.js';

// ---- HTTP helpers ----------------------------------------------------------------------------------

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the body in chunks without a Content-Length. */
  chunked?: boolean;
}

/** A raw request: the path goes out exactly as written (no normalisation of `..` or `%2e`). */
function request(port: number, rawPath: string, opts: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      path: rawPath,
      method: opts.method ?? 'GET',
      headers: opts.headers,
      agent: false,
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      res.on('error', reject);
    });
    // A server that answers before reading the whole body may reset the upload; the answer counts.
    req.on('error', reject);
    if (opts.body !== undefined && opts.chunked) {
      const buf = Buffer.from(opts.body);
      for (let i = 0; i < buf.length; i += 1024 * 1024) req.write(buf.subarray(i, i + 1024 * 1024));
      req.end();
    } else {
      req.end(opts.body);
    }
  });
}

interface ApiReply<T = unknown> {
  status: number;
  body: { ok: true; value: T } | { ok: false; error: { code: string; message: string; details?: unknown } };
}

// ---- event stream client -----------------------------------------------------------------------------

interface SseEvent {
  id: string | null;
  event: string;
  data: string;
}

class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  ended = false;
  private buf = '';

  constructor(
    readonly req: http.ClientRequest,
    readonly res: http.IncomingMessage,
  ) {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      this.buf += chunk;
      for (let i = this.buf.indexOf('\n\n'); i >= 0; i = this.buf.indexOf('\n\n')) {
        this.parse(this.buf.slice(0, i));
        this.buf = this.buf.slice(i + 2);
      }
    });
    const end = () => (this.ended = true);
    res.on('end', end);
    res.on('close', end);
    res.on('error', end);
  }

  private parse(block: string): void {
    let id: string | null = null;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments.push(line.slice(1).trim());
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length) this.events.push({ id, event, data: data.join('\n') });
  }

  payloads<T>(event: string): T[] {
    return this.events.filter((e) => e.event === event).map((e) => JSON.parse(e.data) as T);
  }

  close(): void {
    this.req.destroy();
  }
}

function openEvents(
  port: number,
  headers: Record<string, string>,
  query = '',
): Promise<{ status: number; headers: http.IncomingHttpHeaders; client: SseClient }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: `/api/events${query}`, headers, agent: false });
    req.on('response', (res) =>
      resolve({ status: res.statusCode!, headers: res.headers, client: new SseClient(req, res) }),
    );
    req.on('error', reject);
  });
}

// ---- fixtures --------------------------------------------------------------------------------------

const SECRET = 'TOP-SECRET-OUTSIDE-THE-RENDERER';
const INDEX_HTML = '<!doctype html><html><head><title>fake</title></head><body>FAKE-INDEX</body></html>\n';

/** A fake renderer build next to a secret file that must never be served. */
function fakeRenderer(): string {
  const parent = tempDir('baton-web-');
  writeFiles(parent, {
    'secret.txt': SECRET,
    'renderer/index.html': INDEX_HTML,
    'renderer/assets/index-AbCd1234.js': "console.log('asset');\n",
    'renderer/assets/index-AbCd1234.css': 'body{color:red}\n',
    'renderer/favicon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>\n',
    'renderer/.env': SECRET,
  });
  fs.symlinkSync(path.join(parent, 'secret.txt'), path.join(parent, 'renderer', 'link-out.txt'));
  fs.symlinkSync(parent, path.join(parent, 'renderer', 'parent-dir'));
  return path.join(parent, 'renderer');
}

const ECHO_PROJECT = `name: echo
entry_points:
  main:
    parameters:
      msg: {type: string, default: hi}
    command: "echo web-marker-{msg}"
`;

// ---- the host under test ---------------------------------------------------------------------------

describe('web host', () => {
  let engine: Engine;
  let host: WebHost;
  let port: number;
  let token: string;
  let rendererDir: string;
  let project: string;
  let work: string;
  const auth = () => ({ authorization: `Bearer ${token}` });

  const api = async <T = unknown>(
    method: string,
    input: unknown,
    headers: Record<string, string> = auth(),
  ): Promise<ApiReply<T>> => {
    const r = await request(port, `/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(input),
    });
    return { status: r.status, body: JSON.parse(r.body) as ApiReply<T>['body'] };
  };
  const value = <T>(r: ApiReply<T>): T => {
    assert.ok(r.body.ok, `expected ok, got ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.value;
  };

  before(async () => {
    engine = openEngine();
    rendererDir = fakeRenderer();
    project = makeProject(ECHO_PROJECT);
    work = tempDir('baton-web-work-');
    host = await startWebHost({ engine, port: 0, rendererDir, events: { heartbeatMs: 100 } });
    ({ port, token } = host);
  });

  after(async () => {
    await host.close();
    await engine.close();
  });

  test('the address is loopback with a fresh URL-safe token', () => {
    assert.match(host.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
    assert.equal(host.url, `http://127.0.0.1:${port}/?token=${token}`);
    assert.equal(host.origin, `http://127.0.0.1:${port}`);
  });

  describe('authentication', () => {
    test('401 without a token, for pages, assets, the API and events', async () => {
      for (const p of ['/', '/assets/index-AbCd1234.js', '/runs/x']) {
        const r = await request(port, p);
        assert.equal(r.status, 401, p);
        assert.match(r.headers['content-type']!, /text\/html/);
        assert.doesNotMatch(r.body, /FAKE-INDEX|console\.log/);
      }
      const a = await api('app.info', {}, {});
      assert.equal(a.status, 401);
      assert.equal(a.body.ok === false && a.body.error.code, 'UNAUTHENTICATED');
      const ev = await request(port, '/api/events');
      assert.equal(ev.status, 401);
    });

    test('401 with a wrong token as header, query or cookie', async () => {
      const wrong = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
      const cases: [string, Record<string, string>][] = [
        ['/', { authorization: `Bearer ${wrong}` }],
        ['/', { authorization: `Bearer ${token.slice(0, 10)}` }],
        ['/', { authorization: `Bearer ${token}x` }],
        ['/', { authorization: token }], // not a bearer credential
        [`/?token=${wrong}`, {}],
        ['/?token=', {}],
        ['/', { cookie: `baton_token_${port}=${wrong}` }],
        ['/', { cookie: `baton_token_${port + 1}=${token}` }], // another port's cookie
        ['/', { cookie: `baton_token=${token}` }],
      ];
      for (const [p, headers] of cases) {
        const r = await request(port, p, { headers });
        assert.equal(r.status, 401, `${p} ${JSON.stringify(headers)}`);
        assert.equal(r.headers['set-cookie'], undefined);
      }
      const a = await api('app.info', {}, { authorization: `Bearer ${wrong}` });
      assert.equal(a.status, 401);
    });

    test('the query token sets an HttpOnly SameSite=Strict cookie that then authenticates', async () => {
      const first = await request(port, `/?token=${token}`);
      assert.equal(first.status, 200);
      assert.match(first.body, /FAKE-INDEX/);
      const cookie = first.headers['set-cookie']?.[0] ?? '';
      assert.equal(cookie, `baton_token_${port}=${token}; Path=/; HttpOnly; SameSite=Strict`);
      const jar = cookie.split(';')[0]!;
      const asset = await request(port, '/assets/index-AbCd1234.js', {
        headers: { cookie: `other=1; ${jar}` },
      });
      assert.equal(asset.status, 200);
      assert.equal(asset.headers['set-cookie'], undefined);
      const a = await api('app.info', {}, { cookie: jar });
      assert.equal(a.status, 200);
      // A stale cookie next to a valid header does not lock anyone out.
      const b = await api('app.info', {}, { ...auth(), cookie: `baton_token_${port}=stale-stale-stale` });
      assert.equal(b.status, 200);
      const c = await api('app.info', {}, { authorization: `bearer ${token}` });
      assert.equal(c.status, 200);
    });

    test('403 for a foreign Host header (DNS rebinding), even with the token', async () => {
      for (const h of [
        `evil.example:${port}`,
        `127.0.0.1:${port + 1}`,
        '127.0.0.1',
        `127.0.0.1.nip.io:${port}`,
        `[::1]:${port}`,
      ]) {
        const r = await request(port, '/', { headers: { ...auth(), host: h } });
        assert.equal(r.status, 403, h);
        const a = await api('app.info', {}, { ...auth(), host: h });
        assert.equal(a.status, 403, h);
        assert.equal(a.body.ok === false && a.body.error.code, 'FORBIDDEN');
      }
      const ok = await request(port, '/', { headers: { ...auth(), host: `localhost:${port}` } });
      assert.equal(ok.status, 200);
    });

    test('403 for a foreign Origin, even with the token; own origins pass', async () => {
      for (const o of [
        'http://evil.example',
        `http://127.0.0.1:${port + 1}`,
        `https://127.0.0.1:${port}`,
        'null',
      ]) {
        const a = await api('app.info', {}, { ...auth(), origin: o });
        assert.equal(a.status, 403, o);
        const ev = await request(port, '/api/events', { headers: { ...auth(), origin: o } });
        assert.equal(ev.status, 403, o);
      }
      for (const o of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
        const a = await api('app.info', {}, { ...auth(), origin: o, host: `localhost:${port}` });
        assert.equal(a.status, 200, o);
      }
    });
  });

  describe('API', () => {
    test('app.info', async () => {
      const r = await api<{ home: string; nativeDialogs: boolean; version: string }>('app.info', {});
      assert.equal(r.status, 200);
      const info = value(r);
      assert.equal(info.home, engine.layout.home);
      assert.equal(info.nativeDialogs, false);
      assert.match(info.version, /^\d+\.\d+\.\d+/);
      // An empty body is an empty input.
      const empty = await request(port, '/api/app.info', {
        method: 'POST',
        headers: { ...auth(), 'content-type': 'application/json' },
      });
      assert.equal(empty.status, 200);
      assert.match(empty.headers['content-type']!, /^application\/json/);
      assert.equal(empty.headers['cache-control'], 'no-store');
    });

    test('projects.open on a real project; a missing one is 404', async () => {
      const p = value(
        await api<{ dir: string; name: string; entryPoints: { name: string }[] }>('projects.open', {
          path: project,
        }),
      );
      assert.equal(p.dir, project);
      assert.equal(p.name, 'echo');
      assert.deepEqual(
        p.entryPoints.map((e) => e.name),
        ['main'],
      );
      const missing = await api('projects.open', { path: path.join(work, 'nope') });
      assert.equal(missing.status, 404);
      assert.equal(missing.body.ok === false && missing.body.error.code, 'MLPROJECT_NOT_FOUND');
    });

    test('workflows.save then workflows.load round trip', async () => {
      const file = path.join(work, 'roundtrip.yaml');
      const yaml = `version: 1\nname: roundtrip\nsteps:\n  hello:\n    project: ${project}\n    parameters:\n      msg: saved\n`;
      const layout = { version: 1, nodes: { hello: { x: 10, y: -20.5 } } };
      assert.deepEqual(value(await api('workflows.save', { file, yaml, layout })), { file });
      type Loaded = {
        file: string;
        yaml: string;
        layout: unknown;
        problems: unknown[];
        parsed: {
          spec: { name: string; steps: { name: string; parameters: { name: string; value: string }[]; pos?: { line: number } }[] } | null;
          problems: { line?: number; message: string }[];
        };
      };
      const loaded = value(await api<Loaded>('workflows.load', { file }));
      assert.equal(loaded.file, file);
      assert.equal(loaded.yaml, yaml);
      assert.deepEqual(loaded.layout, layout);
      assert.deepEqual(loaded.problems, []);
      // The engine's parse, as the editor reads the text: the spec with its source positions.
      assert.equal(loaded.parsed.spec?.name, 'roundtrip');
      assert.deepEqual(
        loaded.parsed.spec?.steps.map((st) => [st.name, st.parameters.map((p) => [p.name, p.value]), st.pos?.line]),
        [['hello', [['msg', 'saved']], 4]],
      );
      assert.deepEqual(loaded.parsed.problems, []);
      // A file that is not a workflow mapping still loads: no spec, its problem with a line.
      const broken = path.join(work, 'broken.yaml');
      fs.writeFileSync(broken, 'version: 1\nname: [unclosed\n');
      const bad = value(await api<Loaded>('workflows.load', { file: broken }));
      assert.equal(bad.parsed.spec, null);
      assert.ok(bad.parsed.problems.length > 0 && bad.parsed.problems[0]?.line !== undefined, JSON.stringify(bad.parsed.problems));
    });

    test('status codes: 404 for unknown ids, 400 for host-less dialogs, 422 for an invalid workflow', async () => {
      const run = await api('runs.get', { runId: 'abcdef0123' });
      assert.equal(run.status, 404);
      assert.equal(run.body.ok === false && run.body.error.code, 'RUN_NOT_FOUND');
      const dialog = await api('dialogs.openFolder', {});
      assert.equal(dialog.status, 400);
      assert.equal(dialog.body.ok === false && dialog.body.error.code, 'USAGE');
      const bad = path.join(work, 'bad.yaml');
      fs.writeFileSync(
        bad,
        `version: 1\nname: bad\nsteps:\n  a:\n    project: ${project}\n    entry_point: nope\n`,
      );
      const before = engine.store.listWorkflowRuns(100).length;
      const r = await api('workflows.run', { file: bad });
      assert.equal(r.status, 422);
      assert.equal(r.body.ok === false && r.body.error.code, 'WORKFLOW_INVALID');
      assert.equal(engine.store.listWorkflowRuns(100).length, before);
    });

    test('history methods over HTTP: runs.search, a bad filter (400 with its position), app.openPath refused', async () => {
      const page = value(await api<{ runs: unknown[]; total: number; offset: number }>('runs.search', { orderBy: ['duration DESC'], limit: 5 }));
      assert.equal(page.offset, 0);
      assert.ok(page.total >= page.runs.length);
      const bad = await api('runs.search', { filter: 'metrics.rmse <' });
      assert.equal(bad.status, 400);
      assert.ok(!bad.body.ok);
      assert.equal(bad.body.error.code, 'FILTER_INVALID');
      assert.equal((bad.body.error.details as { position: number }).position, 14);
      const open = await api('app.openPath', { path: work });
      assert.equal(open.status, 400);
      assert.ok(!open.body.ok && /only in the desktop app/.test(open.body.error.message));
      const cols = value(await api<{ params: string[] }>('runs.columns', {}));
      assert.ok(Array.isArray(cols.params));
    });

    test('unknown methods are 404, other verbs 405, other content types 415', async () => {
      const unknown = await api('runs.explode', {});
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.ok === false && unknown.body.error.code, 'USAGE');
      for (const m of ['constructor', '__proto__', 'toString', '', 'app.info/x']) {
        assert.equal((await api(m, {})).status, 404, m);
      }
      const get = await request(port, '/api/app.info', { headers: auth() });
      assert.equal(get.status, 405);
      assert.equal(get.headers.allow, 'POST');
      const text = await request(port, '/api/app.info', {
        method: 'POST',
        headers: { ...auth(), 'content-type': 'text/plain' },
        body: '{}',
      });
      assert.equal(text.status, 415);
      const none = await request(port, '/api/app.info', { method: 'POST', headers: auth(), body: '{}' });
      assert.equal(none.status, 415);
      const form = await request(port, '/api/app.info', {
        method: 'POST',
        headers: { ...auth(), 'content-type': 'application/x-www-form-urlencoded' },
        body: 'a=1',
      });
      assert.equal(form.status, 415);
    });

    test('malformed JSON and schema-failing input are 400 USAGE and never reach the engine', async () => {
      const file = path.join(work, 'never.yaml');
      const raw = await request(port, '/api/workflows.save', {
        method: 'POST',
        headers: { ...auth(), 'content-type': 'application/json' },
        body: `{"file": ${JSON.stringify(file)}, "yaml": "x", "layout": {"version": 1, "nodes": {}}`,
      });
      assert.equal(raw.status, 400);
      const body = JSON.parse(raw.body) as ApiReply['body'];
      assert.equal(body.ok === false && body.error.code, 'USAGE');
      assert.match(body.ok === false ? body.error.message : '', /not valid JSON/);

      const invalid: [string, unknown][] = [
        ['workflows.save', { file, yaml: 'x' }], // layout missing
        ['workflows.save', { file, yaml: 'x', layout: { version: 2, nodes: {} } }],
        ['workflows.save', { file, yaml: 'x', layout: { version: 1, nodes: {} }, extra: true }], // strict
        ['workflows.save', [file]],
        ['workflows.save', 'a string'],
        ['app.setLastWorkflow', { file: 7 }],
      ];
      for (const [m, input] of invalid) {
        const r = await api(m, input);
        assert.equal(r.status, 400, `${m} ${JSON.stringify(input)}`);
        assert.equal(r.body.ok === false && r.body.error.code, 'USAGE');
        assert.match(
          r.body.ok === false ? r.body.error.message : '',
          new RegExp(`Invalid input for ${m.replace('.', '\\.')}`),
        );
      }
      assert.equal(fs.existsSync(file), false);
      assert.equal(fs.existsSync(path.join(engine.layout.home, 'settings.json')), false);

      const before = engine.store.listWorkflowRuns(100).length;
      const bad = await api('workflows.run', { file: path.join(work, 'roundtrip.yaml'), maxParallel: 0 });
      assert.equal(bad.status, 400);
      assert.equal(engine.store.listWorkflowRuns(100).length, before);
    });

    test('413 for a body over 10 MiB, declared or streamed, and nothing is written', async () => {
      const file = path.join(work, 'huge.yaml');
      const big = JSON.stringify({
        file,
        yaml: 'x'.repeat(10 * 1024 * 1024 + 10),
        layout: { version: 1, nodes: {} },
      });
      const headers = { ...auth(), 'content-type': 'application/json' };
      const declared = await request(port, '/api/workflows.save', { method: 'POST', headers, body: big });
      assert.equal(declared.status, 413);
      assert.equal((JSON.parse(declared.body) as ApiReply['body']).ok, false);
      const streamed = await request(port, '/api/workflows.save', {
        method: 'POST',
        headers,
        body: big,
        chunked: true,
      });
      assert.equal(streamed.status, 413);
      assert.equal(fs.existsSync(file), false);
      // The host still answers afterwards.
      assert.equal((await api('app.info', {})).status, 200);
    });
  });

  describe('events', () => {
    test('401 without the token; the stream opens with the cookie or the query token', async () => {
      const none = await openEvents(port, {});
      assert.equal(none.status, 401);
      none.client.close();
      const viaCookie = await openEvents(port, { cookie: `baton_token_${port}=${token}` });
      assert.equal(viaCookie.status, 200);
      assert.equal(viaCookie.headers['content-type'], 'text/event-stream; charset=utf-8');
      assert.equal(viaCookie.headers['cache-control'], 'no-store');
      viaCookie.client.close();
      const viaQuery = await openEvents(port, {}, `?token=${token}`);
      assert.equal(viaQuery.status, 200);
      viaQuery.client.close();
    });

    test('a real workflow run: run.updated and run.logAppended arrive, workflowRuns.get reaches FINISHED', async () => {
      const { client } = await openEvents(port, auth());
      try {
        const file = path.join(work, 'one-step.yaml');
        const yaml = `version: 1\nname: one-step\nsteps:\n  hello:\n    project: ${project}\n    parameters:\n      msg: sse\n`;
        value(await api('workflows.save', { file, yaml, layout: { version: 1, nodes: {} } }));
        const { workflowRunId } = value(
          await api<{ workflowRunId: string }>('workflows.run', { file, noCache: true }),
        );
        const wr = await waitUntil(async () => {
          const r = value(
            await api<{ status: string; steps: Record<string, { run_id: string | null; status: string }> }>(
              'workflowRuns.get',
              { workflowRunId },
            ),
          );
          return r.status !== 'RUNNING' && r;
        }, 'the workflow run to end');
        assert.equal(wr.status, 'FINISHED');
        const runId = wr.steps.hello!.run_id!;
        assert.equal(wr.steps.hello!.status, 'FINISHED');

        type RunUpdated = {
          runId: string;
          status: string;
          workflowRunId: string | null;
          stepName: string | null;
        };
        await waitUntil(
          () =>
            client
              .payloads<RunUpdated>('run.updated')
              .some((e) => e.runId === runId && e.status === 'FINISHED'),
          'run.updated FINISHED',
        );
        const updates = client.payloads<RunUpdated>('run.updated').filter((e) => e.runId === runId);
        assert.ok(updates.every((e) => e.workflowRunId === workflowRunId && e.stepName === 'hello'));
        await waitUntil(
          () =>
            client
              .payloads<{ runId: string; text: string }>('run.logAppended')
              .some((e) => e.runId === runId && e.text.includes('web-marker-sse')),
          'run.logAppended with the step output',
        );
        await waitUntil(
          () =>
            client
              .payloads<{ workflowRunId: string; status: string }>('workflowRun.updated')
              .some((e) => e.workflowRunId === workflowRunId && e.status === 'FINISHED'),
          'workflowRun.updated FINISHED',
        );
        assert.ok(
          client
            .payloads<{ workflowRunId: string }>('step.updated')
            .some((e) => e.workflowRunId === workflowRunId),
        );
        // Every event carries an increasing id for Last-Event-ID.
        const ids = client.events.map((e) => Number(e.id));
        assert.ok(ids.every((id, i) => Number.isInteger(id) && (i === 0 || id > ids[i - 1]!)));

        const logs = value(await api<{ text: string }>('runs.logs', { runId }));
        assert.match(logs.text, /web-marker-sse/);
      } finally {
        client.close();
      }
    });

    test('payloads that fail their schema are not sent; heartbeats are', async () => {
      const { client } = await openEvents(port, auth());
      try {
        engine.events.emit('run.updated', {
          runId: 'bad',
          status: 'EXPLODED',
          workflowRunId: null,
          stepName: null,
        } as never);
        engine.events.emit('run.logAppended', { runId: 'good', text: 'after-the-bad-one' });
        await waitUntil(
          () =>
            client.payloads<{ text: string }>('run.logAppended').some((e) => e.text === 'after-the-bad-one'),
          'the valid event',
        );
        assert.equal(
          client.payloads<{ runId: string }>('run.updated').filter((e) => e.runId === 'bad').length,
          0,
        );
        assert.ok(client.comments.includes('baton events'));
        await waitUntil(() => client.comments.includes('ping'), 'a heartbeat comment');
      } finally {
        client.close();
      }
    });

    test('a reconnect with Last-Event-ID replays what it missed; an unknown one gets resync', async () => {
      const first = await openEvents(port, auth());
      engine.events.emit('run.logAppended', { runId: 'replay', text: 'one' });
      await waitUntil(() => first.client.events.some((e) => e.data.includes('"one"')), 'event one');
      const lastId = first.client.events.find((e) => e.data.includes('"one"'))!.id!;
      first.client.close();
      engine.events.emit('run.logAppended', { runId: 'replay', text: 'two' });
      engine.events.emit('run.logAppended', { runId: 'replay', text: 'three' });
      const again = await openEvents(port, { ...auth(), 'last-event-id': lastId });
      await waitUntil(() => again.client.events.length >= 2, 'the replay');
      assert.deepEqual(
        again.client
          .payloads<{ runId: string; text: string }>('run.logAppended')
          .filter((e) => e.runId === 'replay')
          .map((e) => e.text),
        ['two', 'three'],
      );
      again.client.close();
      // The query form (for a fresh EventSource) works the same.
      const viaQuery = await openEvents(port, auth(), `?lastEventId=${lastId}`);
      await waitUntil(() => viaQuery.client.events.length >= 2, 'the replay via the query');
      viaQuery.client.close();
      const stale = await openEvents(port, { ...auth(), 'last-event-id': '99999999' });
      await waitUntil(() => stale.client.events.some((e) => e.event === 'resync'), 'resync');
      stale.client.close();
    });

    test('a closed client is cleaned up', async () => {
      await waitUntil(() => host.eventClients === 0, 'earlier streams to be gone');
      const a = await openEvents(port, auth());
      const b = await openEvents(port, auth());
      await waitUntil(() => host.eventClients === 2, 'two streams');
      a.client.close();
      await waitUntil(() => host.eventClients === 1, 'one stream');
      b.client.close();
      await waitUntil(() => host.eventClients === 0, 'no stream');
    });
  });

  describe('static files', () => {
    const cookie = () => ({ cookie: `baton_token_${port}=${token}` });

    test('content types, cache headers and security headers', async () => {
      const index = await request(port, '/', { headers: cookie() });
      assert.equal(index.status, 200);
      assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(index.headers['cache-control'], 'no-cache');
      assert.match(index.body, /<head><base href="\/">/);
      const csp = String(index.headers['content-security-policy']);
      for (const d of [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
      ]) {
        assert.ok(csp.split('; ').includes(d), `CSP has ${d}: ${csp}`);
      }
      assert.doesNotMatch(csp, /script-src[^;]*unsafe/);
      assert.equal(index.headers['x-content-type-options'], 'nosniff');
      assert.equal(index.headers['referrer-policy'], 'no-referrer');

      const cases: [string, string, string][] = [
        [
          '/assets/index-AbCd1234.js',
          'text/javascript; charset=utf-8',
          'public, max-age=31536000, immutable',
        ],
        ['/assets/index-AbCd1234.css', 'text/css; charset=utf-8', 'public, max-age=31536000, immutable'],
        ['/favicon.svg', 'image/svg+xml', 'no-cache'],
        ['/index.html', 'text/html; charset=utf-8', 'no-cache'],
      ];
      for (const [p, type, cache] of cases) {
        const r = await request(port, p, { headers: cookie() });
        assert.equal(r.status, 200, p);
        assert.equal(r.headers['content-type'], type, p);
        assert.equal(r.headers['cache-control'], cache, p);
        assert.equal(r.headers['x-content-type-options'], 'nosniff', p);
        assert.ok(r.headers['content-security-policy'], p);
      }
      // Every answer has the security headers, errors and the API included.
      for (const r of [
        await request(port, '/nope.js', { headers: cookie() }),
        await request(port, '/'),
        await request(port, '/api/nope', { method: 'POST', headers: auth() }),
      ]) {
        assert.equal(r.headers['x-content-type-options'], 'nosniff');
        assert.equal(r.headers['referrer-policy'], 'no-referrer');
      }
    });

    test('ETag revalidation, HEAD and other verbs', async () => {
      const first = await request(port, '/assets/index-AbCd1234.js', { headers: cookie() });
      const again = await request(port, '/assets/index-AbCd1234.js', {
        headers: { ...cookie(), 'if-none-match': first.headers.etag! },
      });
      assert.equal(again.status, 304);
      assert.equal(again.body, '');
      const indexTag = (await request(port, '/', { headers: cookie() })).headers.etag!;
      assert.equal(
        (await request(port, '/', { headers: { ...cookie(), 'if-none-match': indexTag } })).status,
        304,
      );
      const head = await request(port, '/', { method: 'HEAD', headers: cookie() });
      assert.equal(head.status, 200);
      assert.equal(head.body, '');
      assert.ok(Number(head.headers['content-length']) > INDEX_HTML.length);
      const post = await request(port, '/', { method: 'POST', headers: cookie() });
      assert.equal(post.status, 405);
    });

    test('SPA fallback: unknown routes get index.html, missing files 404, unknown API paths stay API', async () => {
      for (const p of ['/runs/abc123', '/workflows', '/a/b/c/', '/assets/']) {
        const r = await request(port, p, { headers: cookie() });
        assert.equal(r.status, 200, p);
        assert.match(r.body, /FAKE-INDEX/, p);
        assert.equal(r.headers['content-type'], 'text/html; charset=utf-8', p);
      }
      for (const p of ['/missing.js', '/assets/index-old.js', '/runs/x.png']) {
        const r = await request(port, p, { headers: cookie() });
        assert.equal(r.status, 404, p);
        assert.doesNotMatch(r.body, /FAKE-INDEX/, p);
      }
      const apiMiss = await request(port, '/api/nope/deeper', { headers: cookie() });
      assert.equal(apiMiss.status, 404);
      assert.match(apiMiss.headers['content-type']!, /^application\/json/);
    });

    test('path traversal: literal and encoded .., encoded slashes, backslashes, NUL, symlinks and dotfiles', async () => {
      const attempts = [
        '/../secret.txt',
        '/assets/../../secret.txt',
        '/%2e%2e/secret.txt',
        '/%2E%2E/secret.txt',
        '/.%2e/secret.txt',
        '/assets/%2e%2e/%2e%2e/secret.txt',
        '/..%2fsecret.txt',
        '/%2e%2e%2fsecret.txt',
        '/assets%2f..%2f..%2fsecret.txt',
        '/..%5csecret.txt',
        '/..\\secret.txt',
        '/%2e%2e%5csecret.txt',
        '/index.html%00.js',
        '/%00',
        '/%E0%A4%A',
        '/%',
        '/link-out.txt',
        '/parent-dir/secret.txt',
        '/.env',
        '/assets/.%2e/.%2e/secret.txt',
        `/${encodeURIComponent(path.join(path.dirname(rendererDir), 'secret.txt'))}`,
        `/${path.dirname(rendererDir)}/secret.txt`,
      ];
      for (const p of attempts) {
        const r = await request(port, p, { headers: cookie() });
        assert.ok(
          r.status === 400 || r.status === 404 || (r.status === 200 && /FAKE-INDEX/.test(r.body)),
          `${p}: ${r.status}`,
        );
        assert.ok(!r.body.includes(SECRET), `${p} leaked the secret`);
      }
      for (const p of ['/%2e%2e/secret.txt', '/..%2fsecret.txt', '/index.html%00.js', '/../secret.txt']) {
        assert.equal((await request(port, p, { headers: cookie() })).status, 400, p);
      }
    });
  });

  describe('without a renderer build, on a slow network', () => {
    let engine2: Engine;
    let host2: WebHost;

    before(async () => {
      engine2 = openEngine();
      host2 = await startWebHost({
        engine: engine2,
        port: 0,
        token: 'fixed-token-for-this-test-0123456789',
        rendererDir: path.join(tempDir('baton-web-empty-'), 'dist'),
        events: { highWaterMark: 256 * 1024 },
      });
    });

    after(async () => {
      await host2.close();
      await engine2.close();
    });

    test('pages answer 503 naming the build command; the API still works', async () => {
      assert.equal(host2.token, 'fixed-token-for-this-test-0123456789');
      for (const p of [`/?token=${host2.token}`, `/runs/x?token=${host2.token}`]) {
        const r = await request(host2.port, p);
        assert.equal(r.status, 503);
        assert.match(r.headers['content-type']!, /text\/html/);
        assert.match(r.body, /vite build --config renderer\/vite\.config\.ts/);
        assert.match(r.body, /npm run build:renderer/);
      }
      const info = await request(host2.port, '/api/app.info', {
        method: 'POST',
        headers: { authorization: `Bearer ${host2.token}`, 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(info.status, 200);
    });

    test('a client that does not read is disconnected past the high-water mark', async () => {
      const { status, client } = await openEvents(host2.port, { authorization: `Bearer ${host2.token}` });
      assert.equal(status, 200);
      client.res.pause();
      await waitUntil(() => host2.eventClients === 1, 'the stream');
      const text = 'x'.repeat(64 * 1024);
      for (let i = 0; i < 400 && host2.eventClients > 0; i++)
        engine2.events.emit('run.logAppended', { runId: 'slow', text });
      assert.equal(host2.eventClients, 0);
      client.res.resume();
      await waitUntil(() => client.ended, 'the client to see the stream end');
    });

    test('a port in use is a USAGE error', async () => {
      await assert.rejects(
        startWebHost({ engine: engine2, port: host2.port, rendererDir: '/nonexistent' }),
        (e: Error & { code?: string }) => {
          assert.equal(e.code, 'USAGE');
          assert.match(e.message, /in use/);
          return true;
        },
      );
    });

    test('a token that is too short or not URL-safe is refused', async () => {
      for (const t of ['short', 'has spaces in it but long enough', 'semi;colon;0123456789abcdef']) {
        await assert.rejects(
          startWebHost({ engine: engine2, token: t, rendererDir: '/nonexistent' }),
          /token/,
        );
      }
    });
  });
});

describe('baton ui', () => {
  test('prints the address, serves it with the token, and exits 0 on SIGTERM', async () => {
    const home = tempDir('baton-home-');
    const child = spawn(process.execPath, [CLI, 'ui', '--port', '0', '--no-open'], {
      cwd: REPO_ROOT,
      env: { ...process.env, BATON_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = await waitUntil(
        () => /^(http:\/\/127\.0\.0\.1:(\d+)\/\?token=[\w-]+)\n/.exec(stdout),
        `the address on stdout (stderr: ${stderr})`,
        10_000,
      );
      const port = Number(url[2]);
      const page = await fetch(url[1]!);
      assert.ok(page.status === 200 || page.status === 503, `status ${page.status}`);
      assert.match(page.headers.get('set-cookie') ?? '', new RegExp(`^baton_token_${port}=`));
      assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 401);
      const info = await fetch(`http://127.0.0.1:${port}/api/app.info`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${new URL(url[1]!).searchParams.get('token')}`,
          'content-type': 'application/json',
        },
        body: '{}',
      });
      assert.equal(((await info.json()) as { value: { home: string } }).value.home, home);
      assert.match(stderr, /127\.0\.0\.1 only/);

      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        exited,
        new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 10_000))),
      ]);
      clearTimeout(timer);
      assert.equal(code, 0, `exit code (stderr: ${stderr})`);
      assert.equal(stdout.trim().split('\n').length, 1, 'stdout holds only the address');
      await assert.rejects(fetch(`http://127.0.0.1:${port}/`), 'the port is closed');
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('a bad --port is a usage error (exit 2); --help documents the command', async () => {
    const home = tempDir('baton-home-');
    const bad = await runCli(['ui', '--port', 'eighty', '--no-open'], { home });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^error\[USAGE\]: --port/m);
    const help = await runCli(['ui', '--help'], { home });
    assert.equal(help.code, 0);
    assert.match(help.stdout, /baton ui \[--port N\] \[--no-open\]/);
  });
});
