import { defineConfig } from "@playwright/test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

// The release server built by `cargo leptos build --release`, on its own port with a fresh
// SQLite database for every run. test.sh exports the paths; the defaults suit a plain checkout.
const root = path.resolve(__dirname, "..");
const serverBin =
  process.env.E2E_SERVER_BIN ??
  path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, "target"), "release", "server");
const siteRoot = process.env.E2E_SITE_ROOT ?? path.join(root, "target", "site");
const port = Number(process.env.E2E_PORT ?? 3107);
const dbDir = fs.mkdtempSync(path.join(os.tmpdir(), "chat-e2e-"));

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 5_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  webServer: {
    command: `"${serverBin}"`,
    url: `http://127.0.0.1:${port}/`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      DATABASE_URL: `sqlite://${path.join(dbDir, "e2e.db")}?mode=rwc`,
      LEPTOS_OUTPUT_NAME: "chat",
      LEPTOS_SITE_ROOT: siteRoot,
      LEPTOS_SITE_PKG_DIR: "pkg",
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_ENV: "PROD",
      RUST_LOG: "warn",
    },
  },
});
