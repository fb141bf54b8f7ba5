// The outbox: what is written while the network or the server is away waits in the browser
// (through a reload too) and arrives once each, in order; a refusal for good says why and
// offers Edit and Discard.
import { expect, test } from "@playwright/test";
import { createRoomAs, joinAs, RoomPage } from "./pages";
import { OwnServer } from "./server";

const SEND = "**/api/send_message";

test("messages written offline wait, survive a reload and arrive once each, in order", async ({
  browser,
}) => {
  const annaPage = await (await browser.newContext()).newPage();
  const anna = await createRoomAs(annaPage, "Offline room", "offanna");
  const bob = await joinAs(browser, await anna.shareLink(), "Offline room", "offbob");

  await annaPage.context().setOffline(true);
  for (const text of ["one", "two", "three"]) await anna.send(text);
  const pending = annaPage.locator(".pending-list li");
  await expect(pending.locator(".content")).toHaveText(["one", "two", "three"]);
  await expect(pending.first().locator(".sending")).toContainText("waiting to send");

  // Reload while sending still fails (as on a network that drops every send): the page comes
  // back online, but the three are still waiting, from the browser's storage.
  await annaPage.route(SEND, (route) => route.abort("internetdisconnected"));
  await annaPage.context().setOffline(false);
  await annaPage.reload();
  await anna.expectOpenAs("Offline room", "offanna");
  await expect(pending.locator(".content")).toHaveText(["one", "two", "three"]);
  await expect(bob.messages()).toHaveCount(0);

  // Sending works again: each arrives once, in order, for both.
  await annaPage.unroute(SEND);
  await expect(bob.messages().locator(".content")).toHaveText(["one", "two", "three"], {
    timeout: 15_000,
  });
  await expect(anna.messages().locator(".content")).toHaveText(["one", "two", "three"]);
  await expect(pending).toHaveCount(0);
  await bob.page.reload();
  await expect(bob.messages().locator(".content")).toHaveText(["one", "two", "three"]);
});

test("a refusal for good says why; the message can be edited or discarded", async ({ page }) => {
  const room = await createRoomAs(page, "Refusals", "refused");
  await page.route(SEND, (route) =>
    route.fulfill({
      status: 403,
      contentType: "application/json",
      body: JSON.stringify({ Forbidden: "You may not post here." }),
    }),
  );
  await room.send("first try");
  const pending = page.locator(".pending-list li");
  await expect(pending.locator(".sending")).toHaveText("not sent: You may not post here.");
  await room.send("second try");
  await expect(pending).toHaveCount(2);

  await page.unroute(SEND);
  await pending.first().getByRole("button", { name: "Discard" }).click();
  await expect(pending.locator(".content")).toHaveText(["second try"]);
  await pending.first().getByRole("button", { name: "Edit" }).click();
  await expect(pending).toHaveCount(0);
  await expect(room.messageBox()).toHaveValue("second try");
  await room.messageBox().press("Enter");
  await expect(room.messages().locator(".content")).toHaveText(["second try"]);
});

test.describe("a server restart while sending", () => {
  const server = new OwnServer(3113);
  test.beforeAll(() => server.start());
  test.afterAll(() => server.stop());

  test("what was sent while the server was down arrives once each after it is back", async ({
    browser,
  }) => {
    const context = await browser.newContext({ baseURL: server.baseURL });
    const room: RoomPage = await createRoomAs(await context.newPage(), "Restarts", "restarter");
    await room.send("before");
    await expect(room.messages().locator(".content")).toHaveText(["before"]);

    await server.stop();
    await room.send("during 1");
    await room.send("during 2");
    await expect(room.page.locator(".pending-list .content")).toHaveText(["during 1", "during 2"]);
    await server.start();

    await expect(room.messages().locator(".content")).toHaveText(
      ["before", "during 1", "during 2"],
      { timeout: 15_000 },
    );
    await room.page.reload();
    await expect(room.messages().locator(".content")).toHaveText([
      "before",
      "during 1",
      "during 2",
    ]);
  });
});
