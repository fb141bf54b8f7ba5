// Validation messages, 404s and the no-JavaScript path.
import { expect, test } from "@playwright/test";
import { createRoomAs, HomePage, LoginPage } from "./pages";

test("a blank room name is refused with a clear message", async ({ page }) => {
  const home = new HomePage(page);
  await home.open();
  await home.createRoom("   ");
  await expect(page.getByRole("alert")).toHaveText("The room name cannot be empty.");
  await expect(page).toHaveURL(/\/(\?.*)?$/);
});

test("an unknown room link shows the not-found page", async ({ page }) => {
  const res = await page.goto("/chatrooms/AAAAAAAAAAAAAAAA/");
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
});

test("a blank message is refused and nothing is sent", async ({ page }) => {
  const room = await createRoomAs(page, "Quiet room", "carol");
  await room.messageBox().fill("   ");
  await room.messageBox().press("Enter");
  await expect(page.getByRole("alert")).toHaveText("The message cannot be empty.");
  await expect(room.messages()).toHaveCount(0);
});

test.describe("with JavaScript disabled", () => {
  test.use({ javaScriptEnabled: false });

  test("create, log in and send still work with plain form posts", async ({ page }) => {
    const home = new HomePage(page);
    await home.open();
    await home.createRoom("No-JS room");
    const login = new LoginPage(page);
    await login.expectShown();
    await login.logIn("dave");
    await expect(page.getByRole("heading", { name: "No-JS room" })).toBeVisible();
    await expect(page.locator(".whoami")).toHaveText("You are dave");
    await page.getByLabel("Message", { exact: true }).fill("sent without JavaScript");
    await page.getByRole("button", { name: "Send" }).click();
    await expect(page.locator(".messages .content")).toHaveText(["sent without JavaScript"]);
  });
});

test("change name and log out from the room", async ({ page }) => {
  const room = await createRoomAs(page, "Account room", "erin");
  const login = new LoginPage(page);
  const roomUrl = page.url();

  await room.openMenu();
  await page.getByRole("link", { name: "Change name" }).click();
  await login.expectShown();
  await login.logIn("erin2");
  await room.expectOpenAs("Account room", "erin2");

  await room.openMenu();
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/$/);
  await page.goto(roomUrl);
  await login.expectShown();
});

test("a <script> message renders as text and links are safe", async ({ page }) => {
  const roomName = "</title><script>window.__pwned = 3</script>";
  const room = await createRoomAs(page, roomName, "mallory");
  await expect(page).toHaveTitle(`${roomName} · Chat`);
  const evil = "<script>window.__pwned = 1</script><img src=x onerror=window.__pwned=2>";
  await room.send(evil);
  await room.send("see https://example.com/ and javascript:alert(1)");
  await room.expectMessages([
    ["mallory", evil],
    ["mallory", "see https://example.com/ and javascript:alert(1)"],
  ]);
  // The same after a reload (server-rendered).
  await page.reload();
  await room.expectOpenAs(roomName, "mallory");
  await expect(page).toHaveTitle(`${roomName} · Chat`);
  await expect(room.messages().first().locator(".content")).toHaveText(evil);
  expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
  const link = room.messages().last().locator(".content a");
  await expect(link).toHaveCount(1);
  await expect(link).toHaveAttribute("href", "https://example.com/");
  await expect(link).toHaveAttribute("rel", "noopener noreferrer nofollow");
});
