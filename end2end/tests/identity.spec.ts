// Claimed names: nobody can pass as someone else; the owner gets back in with the passphrase.
import { expect, test } from "@playwright/test";
import { createRoomAs, LoginPage, RoomPage } from "./pages";

test("a second person cannot take a claimed name; the owner reclaims it with the passphrase", async ({
  browser,
}) => {
  // Zelda claims her name with a passphrase and opens a room.
  const zeldaPage = await (await browser.newContext()).newPage();
  const zelda = await createRoomAs(zeldaPage, "Claimed room", "zelda", "hyrule forever 1986");
  const link = await zelda.shareLink();

  // Someone else opens the link and tries her name, then look-alikes of it.
  const otherPage = await (await browser.newContext()).newPage();
  await otherPage.goto(link);
  const other = new LoginPage(otherPage);
  await other.expectShown();
  await other.logIn("zelda");
  await expect(otherPage.locator(".form-error")).toHaveText(
    "The name “zelda” is taken. If it is yours, enter its passphrase.",
  );
  await other.logIn("ZELDA", "not her passphrase");
  await expect(otherPage.locator(".form-error")).toHaveText("Wrong passphrase for “ZELDA”.");
  await other.logIn("ZeIda", ""); // capital I for l
  await expect(otherPage.locator(".form-error")).toContainText("is taken");
  await other.logIn("z\u0435lda", ""); // Cyrillic е inside a Latin word
  await expect(otherPage.locator(".form-error")).toContainText("writing systems");
  await expect(otherPage).toHaveURL(/\/login\?next=/);

  // They pick their own name and are in, under it.
  await other.logIn("link");
  const linkRoom = new RoomPage(otherPage);
  await linkRoom.expectOpenAs("Claimed room", "link");

  // Zelda, on another device (a fresh browser context), gets her name back with the passphrase.
  const laptop = await (await browser.newContext()).newPage();
  await laptop.goto(link);
  const laptopLogin = new LoginPage(laptop);
  await laptopLogin.expectShown();
  await laptopLogin.logIn("Zelda", "hyrule forever 1986");
  const zeldaAgain = new RoomPage(laptop);
  await zeldaAgain.expectOpenAs("Claimed room", "zelda");

  // Both of her browsers speak as zelda; everyone sees it.
  await zeldaAgain.send("it is really me");
  await zelda.send("from my phone too");
  for (const room of [zelda, zeldaAgain, linkRoom]) {
    await room.expectMessages([
      ["zelda", "it is really me"],
      ["zelda", "from my phone too"],
    ]);
  }
  await expect(otherPage.locator(".online-user .author")).toHaveText(["link", "zelda"]);
});
