import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/**
 * Follows a growing log file and hands new text to a listener: inotify via fs.watch for low latency,
 * plus a slow poll because watch events can be coalesced or missed. Reads in bounded chunks, so a
 * step that prints megabytes never lands in memory whole.
 */
export class LogTail {
  private offset = 0;
  private readonly decoder = new StringDecoder('utf8');
  private watcher: fs.FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reading = false;
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly onText: (text: string) => void,
    private readonly pollMs = 250,
  ) {}

  start(): void {
    try {
      this.watcher = fs.watch(this.file, () => this.read());
      this.watcher.on('error', () => undefined);
    } catch {
      this.watcher = null;
    }
    this.timer = setInterval(() => this.read(), this.pollMs);
    this.timer.unref();
  }

  /** Reads whatever is left and stops following. */
  stop(): void {
    if (this.closed) return;
    this.read();
    this.closed = true;
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
    const tail = this.decoder.end();
    if (tail) this.onText(tail);
  }

  private read(): void {
    if (this.reading || this.closed) return;
    this.reading = true;
    let fd: number | null = null;
    try {
      fd = fs.openSync(this.file, 'r');
      const buf = Buffer.allocUnsafe(64 * 1024);
      for (;;) {
        const n = fs.readSync(fd, buf, 0, buf.length, this.offset);
        if (n <= 0) break;
        this.offset += n;
        const text = this.decoder.write(buf.subarray(0, n));
        if (text) this.onText(text);
      }
    } catch {
      // The file may not exist yet or may be gone; the next event or poll tries again.
    } finally {
      if (fd !== null) fs.closeSync(fd);
      this.reading = false;
    }
  }
}
