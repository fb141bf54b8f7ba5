import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** A release server of our own (for tests that stop and restart it), with its own database. */
export class OwnServer {
  private child?: ChildProcess;
  readonly dbPath: string;

  /** `env` adds to or overrides the server's environment (e.g. `RATE_LIMITS: "false"`). */
  constructor(
    readonly port: number,
    private readonly env: Record<string, string> = {},
  ) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chat-e2e-own-"));
    this.dbPath = path.join(dir, "own.db");
  }

  get baseURL() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start() {
    const root = path.resolve(__dirname, "..", "..");
    const bin =
      process.env.E2E_SERVER_BIN ??
      path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, "target"), "release", "server");
    this.child = spawn(bin, [], {
      stdio: "ignore",
      env: {
        ...process.env,
        DATABASE_URL: `sqlite://${this.dbPath}?mode=rwc`,
        LEPTOS_OUTPUT_NAME: "chat",
        LEPTOS_SITE_ROOT: process.env.E2E_SITE_ROOT ?? path.join(root, "target", "site"),
        LEPTOS_SITE_PKG_DIR: "pkg",
        LEPTOS_SITE_ADDR: `127.0.0.1:${this.port}`,
        LEPTOS_ENV: "PROD",
        RUST_LOG: "warn",
        ...this.env,
      },
    });
    for (let i = 0; i < 200; i++) {
      try {
        const res = await fetch(this.baseURL + "/");
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error("server did not start");
  }

  async stop() {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }
}
