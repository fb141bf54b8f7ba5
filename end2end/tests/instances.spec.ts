// Two server instances on one PostgreSQL (behind a load balancer, people land on either one):
// two people, each on a different instance, chat live.
import { expect, test } from "@playwright/test";
import { createRoomAs, LoginPage, RoomPage } from "./pages";
import { OwnServer } from "./server";

// test.sh creates an empty PostgreSQL database for this run and passes its URL.
const databaseUrl = process.env.E2E_PG_URL;

test.describe("two instances on PostgreSQL", () => {
  test.skip(!databaseUrl, "needs E2E_PG_URL (a fresh PostgreSQL database); see .ci/test.sh");

  const a = new OwnServer(3110, { DATABASE_URL: databaseUrl ?? "" });
  const b = new OwnServer(3111, { DATABASE_URL: databaseUrl ?? "" });
  test.beforeAll(async () => {
    await a.start(); // migrates the fresh database
    await b.start();
  });
  test.afterAll(async () => {
    await a.stop();
    await b.stop();
  });

  test("people on different instances chat live", async ({ browser }) => {
    const annaPage = await (await browser.newContext({ baseURL: a.baseURL })).newPage();
    const anna = await createRoomAs(annaPage, "Two instances", "anna");
    // The share link names instance A; Bruno's load balancer sends him to B.
    const link = new URL(await anna.shareLink());
    const onB = `${b.baseURL}${link.pathname}`;

    const brunoPage = await (await browser.newContext()).newPage();
    await brunoPage.goto(onB);
    const login = new LoginPage(brunoPage);
    await login.expectShown();
    // Anna's name is claimed on every instance.
    await login.logIn("Anna");
    await expect(brunoPage.locator(".form-error")).toContainText("is taken");
    await login.logIn("bruno");
    const bruno = new RoomPage(brunoPage);
    await bruno.expectOpenAs("Two instances", "bruno");
    expect(new URL(brunoPage.url()).port).toBe("3111");

    // Each sees the other online, and typing.
    await expect(annaPage.locator(".online-user .author")).toHaveText(["anna", "bruno"]);
    await expect(brunoPage.locator(".online-user .author")).toHaveText(["anna", "bruno"]);
    await bruno.messageBox().pressSequentially("hi", { delay: 50 });
    await expect(annaPage.locator(".typing")).toHaveText("bruno is typing…");

    await bruno.send("hello from B");
    await anna.send("hello from A");
    await bruno.send("and again from B");
    const conversation: Array<[string, string]> = [
      ["bruno", "hello from B"],
      ["anna", "hello from A"],
      ["bruno", "and again from B"],
    ];
    await anna.expectMessages(conversation);
    await bruno.expectMessages(conversation);
  });
});
