// First load of a room page: the bytes of the wasm, JS and CSS it needs (raw, gzip, brotli and
// as sent), and the time until it is usable (hydrated, live stream open, able to send) in
// Chromium on an emulated slow 4G link (1.6 Mbit/s down, 750 kbit/s up, 150 ms latency), with an
// empty cache and again with the cache of the first visit.
//   node bench/first-load.mjs BASE_URL [RUNS]
// Run from end2end/'s packages (bench/first-load.sh does it), against a release server with
// rate limits off.
import { createRequire } from "node:module";
import * as path from "node:path";
import * as zlib from "node:zlib";

const require = createRequire(path.resolve("end2end", "package.json"));
const { chromium } = require("@playwright/test");

const base = process.argv[2];
const runs = Number(process.argv[3] ?? 5);
if (!base) {
  console.error("usage: node bench/first-load.mjs BASE_URL [RUNS]");
  process.exit(2);
}
const SLOW_4G = {
  offline: false,
  latency: 150,
  downloadThroughput: (1.6 * 1024 * 1024) / 8,
  uploadThroughput: (750 * 1024) / 8,
};

/** POSTs a server function form; returns the response. */
async function post(fn, form, cookie) {
  const response = await fetch(`${base}/api/${fn}`, {
    method: "POST",
    headers: { accept: "application/json", ...(cookie ? { cookie } : {}) },
    body: new URLSearchParams(form),
    redirect: "manual",
  });
  if (!response.ok) throw new Error(`${fn}: ${response.status} ${await response.text()}`);
  return response;
}

/** A room with 50 messages and a logged-in session in it: [room url, cookie value]. */
async function seedRoom() {
  const key = JSON.parse(await (await post("create_room", { name: "first load" })).text());
  const login = await post("login", { username: `loader${process.pid}`, next: "/" });
  const cookie = login.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const url = `${base}/chatrooms/${key}/`;
  await fetch(url, { headers: { cookie } }); // opening the link joins the room
  for (let i = 1; i <= 50; i++) {
    await post("send_message", { hash_key: key, content: `message number ${i} with some ordinary chat text` }, cookie);
  }
  return [url, cookie];
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Loads `url` once on the slow link; the time to usable and what was transferred. */
async function load(page, cdp, url) {
  const transferred = [];
  const onResponse = async (response) => {
    const sizes = await response.request().sizes().catch(() => null);
    transferred.push({
      url: response.url(),
      type: response.headers()["content-type"] ?? "",
      encoding: response.headers()["content-encoding"] ?? "identity",
      cacheControl: response.headers()["cache-control"] ?? "",
      bytes: sizes ? sizes.responseBodySize + sizes.responseHeadersSize : 0,
    });
  };
  page.on("response", onResponse);
  await cdp.send("Network.emulateNetworkConditions", SLOW_4G);
  const started = Date.now();
  await page.goto(url, { waitUntil: "commit" });
  await page.locator('.room[data-live="true"]').waitFor({ timeout: 60_000 });
  // data-live: the wasm hydrated the page and its live stream is open, so sending works.
  const usable = Date.now() - started;
  page.off("response", onResponse);
  return { usable, transferred };
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
try {
  const [url, cookie] = await seedRoom();
  const cookies = cookie.split("; ").map((pair) => {
    const [name, ...value] = pair.split("=");
    return { name, value: value.join("="), url: base };
  });
  const cold = [];
  const warm = [];
  let firstVisit;
  for (let run = 0; run < runs; run++) {
    // A fresh context has an empty cache: the first visit; the reload then uses its cache.
    const context = await browser.newContext();
    await context.addCookies(cookies);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    const first = await load(page, cdp, url);
    cold.push(first.usable);
    firstVisit ??= first.transferred;
    warm.push((await load(page, cdp, url)).usable);
    await context.close();
  }

  const assets = firstVisit.filter((r) => /javascript|wasm|css/.test(r.type));
  console.log("First load of a room page with 50 messages (Chromium, assets the page fetched):");
  console.log("| asset | raw | gzip -9 | brotli q11 | sent (encoding) | cache-control |");
  console.log("|---|---|---|---|---|---|");
  const totals = { raw: 0, gzip: 0, brotli: 0, sent: 0 };
  for (const asset of assets) {
    const body = Buffer.from(
      await (await fetch(asset.url, { headers: { "accept-encoding": "identity" } })).arrayBuffer(),
    );
    const gzip = zlib.gzipSync(body, { level: 9 }).length;
    const brotli = zlib.brotliCompressSync(body, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 },
    }).length;
    totals.raw += body.length;
    totals.gzip += gzip;
    totals.brotli += brotli;
    totals.sent += asset.bytes;
    const name = new URL(asset.url).pathname;
    console.log(
      `| ${name} | ${body.length} | ${gzip} | ${brotli} | ${asset.bytes} (${asset.encoding}) | ${asset.cacheControl} |`,
    );
  }
  console.log(`| total wasm+JS+CSS | ${totals.raw} | ${totals.gzip} | ${totals.brotli} | ${totals.sent} | |`);
  const html = firstVisit.find((r) => r.type.startsWith("text/html"));
  if (html) console.log(`the page's HTML: ${html.bytes} bytes sent (${html.encoding})`);
  console.log(
    `time to usable on slow 4G (1.6 Mbit/s, 150 ms), median of ${runs}: ` +
      `empty cache ${median(cold)} ms (${cold.join(", ")}), ` +
      `reload with the first visit's cache ${median(warm)} ms (${warm.join(", ")})`,
  );
} finally {
  await browser.close();
}
