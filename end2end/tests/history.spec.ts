// Long rooms: the page opens with the latest messages; scrolling up loads older ones in place.
import { expect, test } from "@playwright/test";
import { createRoomAs } from "./pages";
import { OwnServer } from "./server";

// Seeding 130 messages from one session in a second is what the rate limits exist to stop, so
// this test has a server of its own without them (as a load test would).
const server = new OwnServer(3109, { RATE_LIMITS: "false" });
test.beforeAll(() => server.start());
test.afterAll(() => server.stop());

test("scrolling to the top loads older messages and keeps the view in place", async ({
  browser,
}) => {
  const page = await (await browser.newContext({ baseURL: server.baseURL })).newPage();
  const room = await createRoomAs(page, "Long room", "historian");

  // 130 messages through the API (the page's own session cookie).
  const key = new URL(page.url()).pathname.split("/")[2];
  for (let i = 1; i <= 130; i++) {
    const res = await page.request.post("/api/send_message", {
      form: { hash_key: key, content: `message ${i}` },
      headers: { Accept: "application/json" },
    });
    expect(res.status()).toBe(200);
  }
  await page.reload();
  await room.expectOpenAs("Long room", "historian");
  await expect(room.messages()).toHaveCount(100);
  await expect(room.messages().first().locator(".content")).toHaveText("message 31");
  await expect(room.messages().last().locator(".content")).toHaveText("message 130");

  // Scroll to the top: the previous 30 arrive above, and the reader still sees message 31.
  await page.locator(".scroller").evaluate((el) => (el.scrollTop = 0));
  await expect(room.messages()).toHaveCount(130);
  await expect(room.messages().first().locator(".content")).toHaveText("message 1");
  const anchor = room.messages().filter({
    has: page.locator(".content", { hasText: /^message 31$/ }),
  });
  const [scroller, anchorBox] = await Promise.all([
    page.locator(".scroller").boundingBox(),
    anchor.boundingBox(),
  ]);
  expect(anchorBox!.y).toBeGreaterThanOrEqual(scroller!.y - 5);
  expect(anchorBox!.y).toBeLessThan(scroller!.y + scroller!.height);
});
