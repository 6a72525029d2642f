/**
 * The event stream (`GET /api/events`): every contract event as a server-sent event, validated
 * against its EVENTS schema once, serialised once and fanned out to every connected browser tab.
 *
 * Backpressure: a client whose unsent data passes the high-water mark is disconnected (not fed a
 * partial stream with holes). Its EventSource reconnects with `Last-Event-ID`, and the events it
 * missed are replayed from a bounded in-memory buffer; if they have already left the buffer, the
 * client gets a `resync` event and should refetch its state through the API.
 */
import type http from 'node:http';
import type { EventName } from '../../common/api/contract.js';
import { EVENTS } from '../../common/api/contract.js';
import type { Headers } from './respond.js';
import { SECURITY_HEADERS } from './respond.js';

export interface EventStreamOptions {
  /** A comment line to every client this often, so proxies and idle timeouts keep the stream open (default 15 s). */
  heartbeatMs?: number;
  /** Unsent bytes per client before it is disconnected (default 4 MiB). */
  highWaterMark?: number;
  /** How much recent history is kept for replay on reconnect (default 2 MiB and 2,000 events). */
  replayBytes?: number;
  replayCount?: number;
  /** The browser's reconnect delay, sent as the stream's `retry:` field (default 2 s). */
  retryMs?: number;
  /** Told about events that fail their schema (never sent) and clients dropped for being slow. */
  log?: (message: string) => void;
}

/** The non-contract event that tells a client it missed events and must refetch. */
export const RESYNC_EVENT = 'resync';

interface Frame {
  id: number;
  text: string;
}

export class EventStreams {
  private readonly clients = new Set<http.ServerResponse>();
  private readonly history: Frame[] = [];
  private historyBytes = 0;
  private seq = 0;
  private heartbeat: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly warned = new Set<string>();
  private readonly opts: Required<Omit<EventStreamOptions, 'log'>> & Pick<EventStreamOptions, 'log'>;

  constructor(opts: EventStreamOptions = {}) {
    this.opts = {
      heartbeatMs: opts.heartbeatMs ?? 15_000,
      highWaterMark: opts.highWaterMark ?? 4 * 1024 * 1024,
      replayBytes: opts.replayBytes ?? 2 * 1024 * 1024,
      replayCount: opts.replayCount ?? 2000,
      retryMs: opts.retryMs ?? 2000,
      log: opts.log,
    };
  }

  /** How many streams are open (for tests and diagnostics). */
  get size(): number {
    return this.clients.size;
  }

  /** Validates and sends one event to every client. Invalid payloads are dropped and reported once per event name. */
  publish(name: EventName, payload: unknown): void {
    if (this.closed) return;
    const parsed = EVENTS[name].safeParse(payload);
    if (!parsed.success) {
      if (!this.warned.has(name)) {
        this.warned.add(name);
        this.opts.log?.(
          `dropped a '${name}' event that does not match its schema: ${parsed.error.issues[0]?.message ?? ''}`,
        );
      }
      return;
    }
    const id = ++this.seq;
    const frame: Frame = { id, text: `id: ${id}\nevent: ${name}\ndata: ${JSON.stringify(parsed.data)}\n\n` };
    this.remember(frame);
    for (const res of this.clients) this.write(res, frame.text);
  }

  /** Turns a request into an event stream. Auth has already been checked. */
  attach(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    lastEventId: string | null,
    headers: Headers = {},
  ): void {
    if (this.closed) {
      res.writeHead(503, { ...SECURITY_HEADERS, ...headers }).end();
      return;
    }
    req.socket.setNoDelay(true);
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      ...headers,
    });
    let preamble = `: baton events\nretry: ${this.opts.retryMs}\n`;
    let replay: Frame[] = [];
    const last =
      lastEventId === null || lastEventId === ''
        ? null
        : /^\d{1,15}$/.test(lastEventId)
          ? Number(lastEventId)
          : NaN;
    if (last === null || last === this.seq) {
      preamble += `id: ${this.seq}\n\n`;
    } else {
      const oldest = this.history[0]?.id ?? this.seq + 1;
      if (Number.isNaN(last) || last > this.seq || last + 1 < oldest) {
        // The events after `last` are gone (or `last` is from another launch): tell the client to refetch.
        preamble += `\nid: ${this.seq}\nevent: ${RESYNC_EVENT}\ndata: ${JSON.stringify({ lastEventId: this.seq })}\n\n`;
      } else {
        preamble += '\n';
        replay = this.history.filter((f) => f.id > last);
      }
    }
    res.write(preamble + replay.map((f) => f.text).join(''));
    this.clients.add(res);
    const drop = () => this.remove(res);
    res.on('close', drop);
    req.on('close', drop);
    this.startHeartbeat();
  }

  /** Ends every stream and stops the heartbeat; later publishes are ignored. */
  close(): void {
    this.closed = true;
    for (const res of this.clients) res.end();
    this.clients.clear();
    this.stopHeartbeat();
  }

  private write(res: http.ServerResponse, text: string): void {
    if (res.destroyed || res.writableEnded) {
      this.remove(res);
      return;
    }
    res.write(text);
    if (res.writableLength > this.opts.highWaterMark) {
      this.opts.log?.(
        `closed a slow event stream (${res.writableLength} bytes unsent); it will reconnect and replay what it missed`,
      );
      this.remove(res);
      res.destroy();
    }
  }

  private remove(res: http.ServerResponse): void {
    this.clients.delete(res);
    if (this.clients.size === 0) this.stopHeartbeat();
  }

  private remember(frame: Frame): void {
    this.history.push(frame);
    this.historyBytes += frame.text.length;
    while (
      this.history.length > this.opts.replayCount ||
      (this.historyBytes > this.opts.replayBytes && this.history.length > 1)
    ) {
      this.historyBytes -= this.history.shift()!.text.length;
    }
  }

  private startHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => {
      for (const res of this.clients) this.write(res, ': ping\n\n');
    }, this.opts.heartbeatMs);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }
}
