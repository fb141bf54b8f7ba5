// Rate limits as a person meets them, and the nonce-based Content-Security-Policy.
import { expect, test } from "@playwright/test";
import { createRoomAs } from "./pages";

test("sending too fast says to slow down, keeps the message waiting and sends it after the wait", async ({
  page,
}) => {
  const room = await createRoomAs(page, "Busy room", "flooder");
  const key = new URL(page.url()).pathname.split("/")[2];
  // A script floods the room with this browser's session until the server pushes back.
  let floods = 0;
  const floodUntilRefused = async () => {
    let refused = 0;
    for (let i = 0; i < 30 && refused === 0; i++) {
      const res = await page.request.post("/api/send_message", {
        form: { hash_key: key, content: `flood ${floods++}` },
        headers: { Accept: "application/json" },
      });
      if (res.status() === 429) {
        refused++;
        expect(Number(res.headers()["retry-after"])).toBeGreaterThanOrEqual(1);
      } else {
        expect(res.status()).toBe(200);
      }
    }
    return refused;
  };
  expect(await floodUntilRefused()).toBe(1);

  // The bucket refills by a token every 500 ms, so a send from the page may still pass on a
  // slow machine: empty the bucket again before each try until the server refuses one. The box
  // is free at once either way; a refused message waits in the outbox, saying why.
  const waiting = page.locator(".pending-list .sending", {
    hasText: /^waiting to send: Slow down: try again in \d+ s\.$/,
  });
  const pending = page.locator(".pending-list li");
  let draft = "";
  for (let i = 0; i < 10 && (await waiting.count()) === 0; i++) {
    if (i > 0) expect(await floodUntilRefused()).toBe(1);
    draft = `one more ${i}`;
    await room.send(draft);
    await expect
      .poll(async () => (await waiting.count()) > 0 || (await pending.count()) === 0)
      .toBe(true);
  }
  await expect(waiting).toHaveCount(1);
  // After the wait it goes by itself, once.
  await expect(room.messages().last().locator(".content")).toHaveText(draft, { timeout: 10_000 });
  await expect(pending).toHaveCount(0);
  await expect(room.messages().locator(".content", { hasText: draft })).toHaveCount(1);
});

test("pages hydrate under a nonce Content-Security-Policy without violations", async ({
  page,
}) => {
  const violations: string[] = [];
  page.on("console", (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) violations.push(msg.text());
  });
  const response = await page.goto("/");
  const csp = response!.headers()["content-security-policy"];
  expect(csp).toMatch(/script-src 'nonce-[A-Za-z0-9_-]+' 'strict-dynamic'/);

  // Creating a room, logging in and chatting runs the whole app (wasm, live stream).
  const room = await createRoomAs(page, "Strict room", "csp-tester");
  await room.send("hydrated and live");
  await room.expectMessages([["csp-tester", "hydrated and live"]]);
  // Markup that slipped past escaping still could not run script: inline handlers are refused.
  await page.evaluate(() => {
    const div = document.createElement("div");
    div.innerHTML = '<img src="/no-such-image.png" onerror="window.__injected = true">';
    document.body.appendChild(div);
  });
  await expect.poll(() => violations.some((v) => /inline event handler/i.test(v))).toBe(true);
  expect(await page.evaluate(() => (window as any).__injected)).toBeUndefined();
  // And nothing of our own was refused.
  expect(violations.filter((v) => !/inline event handler/i.test(v))).toEqual([]);
});

test("a link cannot put text under a form, but a refused post shows its own error", async ({
  browser,
}) => {
  // A crafted link carrying an error: nothing shown, before or after hydration.
  const page = await (await browser.newContext()).newPage();
  const forged = Buffer.from('{"Invalid":"Your account is locked: call +1 555 0100"}').toString(
    "base64url",
  );
  await page.goto(`/login?next=/&__path=/api/login&__err=${forged}`);
  await expect(page.getByLabel("Username")).toBeVisible();
  await expect.poll(() => page.url()).not.toContain("__err");
  await expect(page.getByText("call +1 555 0100")).toHaveCount(0);
  await page.waitForTimeout(500);
  await expect(page.locator(".form-error")).toHaveCount(0);

  // A refused post without JavaScript comes back with its own error, shown once.
  const noJs = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
  await noJs.goto("/");
  await noJs.getByLabel("Chatroom name").fill(" ");
  await noJs.getByRole("button", { name: "Create chatroom" }).click();
  await expect(noJs.locator(".form-error")).toHaveText("The room name cannot be empty.");
});
