// Room owners and moderation with three people in three browsers: the owner deletes a message
// (gone for the others without a reload), locks the room (a fourth person cannot enter), bans a
// troll (their page says so and a new name does not get them back in), makes a moderator from the
// people list and rotates the link (the old one is gone for newcomers, members follow the new one).
import { expect, test, type Browser } from "@playwright/test";
import { createRoomAs, joinAs, LoginPage, RoomPage } from "./pages";

const ROOM = "Moderated room";

const join = (browser: Browser, link: string, name: string) => joinAs(browser, link, ROOM, name);

test("the owner deletes, locks, bans and rotates the link; the others see it live", async ({
  browser,
}) => {
  const owner = await createRoomAs(await (await browser.newContext()).newPage(), ROOM, "olga");
  const link = await owner.shareLink();
  const member = await join(browser, link, "mia");
  const troll = await join(browser, link, "tom");

  // The owner carries a badge, for herself and for the others.
  await expect(owner.page.locator(".room-header .role-badge")).toHaveText("owner");
  await expect(
    member.page.locator(".online-user", { hasText: "olga" }).locator(".role-badge"),
  ).toHaveText("owner");
  // Only the owner sees the settings and the Delete buttons.
  await expect(member.page.getByText("Room settings")).toHaveCount(0);

  await troll.send("buy cheap stuff at spam.example");
  await member.send("hello everyone");
  await expect(member.messages()).toHaveCount(2);

  // Delete: gone for everyone at once, with a placeholder.
  await owner.page.getByRole("button", { name: "Delete message from tom" }).click();
  for (const page of [member.page, troll.page, owner.page]) {
    await expect(page.locator(".scroller")).not.toContainText("buy cheap stuff");
    await expect(page.locator(".message.deleted .placeholder")).toHaveText(
      "message removed by a moderator",
    );
  }

  // Lock: a fourth person cannot enter; members keep talking.
  await owner.openMenu();
  await owner.page.getByText("Room settings").click();
  await owner.page.getByRole("button", { name: "Lock room" }).click();
  await expect(owner.page.getByRole("button", { name: "Unlock room" })).toBeFocused();
  // A refused setting says why in the panel; an accepted one reaches the others live.
  await owner.page.getByLabel("Room name").fill("   ");
  await owner.page.getByRole("button", { name: "Rename" }).click();
  await expect(owner.page.locator(".room-settings .form-error")).toHaveText(
    "The room name cannot be empty.",
  );
  await owner.page.getByLabel("Room name").fill("Moderated room, renamed");
  await owner.page.getByRole("button", { name: "Rename" }).click();
  await expect(member.page.getByRole("heading", { name: "Moderated room, renamed" })).toBeVisible();
  await expect(owner.page.locator(".room-settings .form-error")).toHaveCount(0);
  await owner.page.keyboard.press("Escape");
  await expect(member.page.locator(".room-notes")).toContainText("Closed to new people.");
  const late = await (await browser.newContext()).newPage();
  await late.goto(link);
  await new LoginPage(late).logIn("finn");
  await expect(late.getByText("This room is closed to new people.")).toBeVisible();
  await member.send("still talking");
  await expect(owner.messages().last().locator(".content")).toHaveText("still talking");

  // Ban: the troll's page says so at once, and a new name in the same browser stays out.
  await owner.page.locator(".presence").getByLabel("Actions for tom").click();
  await owner.page.getByRole("button", { name: "Ban tom" }).click();
  await expect(troll.page.getByRole("alert")).toHaveText(/You were banned from this room\./);
  await expect(member.page.locator(".online-user .author")).toHaveText(["mia", "olga"]);
  const path = new URL(link).pathname;
  await troll.page.goto(`/login?next=${encodeURIComponent(path)}`);
  await new LoginPage(troll.page).logIn("tommy");
  await expect(troll.page.getByText("You were banned from this room.")).toBeVisible();
  await expect(troll.page.getByLabel("Message", { exact: true })).toHaveCount(0);
  // The owner's settings (still open from the lock) list the ban, posted from the people list.
  await owner.openMenu();
  await expect(owner.page.locator(".bans")).toContainText("tom banned by olga");
  await owner.page.keyboard.press("Escape");

  // A moderator, made from the people list: the badge shows for everyone, the menu closes.
  const miaMenu = owner.page.locator(".presence details", { hasText: "Make moderator" });
  await owner.page.locator(".presence").getByLabel("Actions for mia").click();
  await owner.page.getByRole("button", { name: "Make mia a moderator" }).click();
  for (const page of [owner.page, member.page]) {
    await expect(
      page.locator(".online-user", { hasText: "mia" }).locator(".role-badge"),
    ).toHaveText("mod");
  }
  await expect(owner.page.locator(".presence details[open]")).toHaveCount(0);
  await expect(miaMenu).toHaveCount(0);

  // Rotate: the members' pages show the new link; the old one is gone for newcomers and leads
  // members to the new one.
  await owner.openMenu();
  await owner.page.getByRole("button", { name: "Rotate link" }).click();
  await expect(member.page.locator("#share-url")).not.toHaveValue(link);
  const rotated = await member.shareLink();
  expect(new URL(rotated).pathname).not.toBe(path);
  await expect(member.page).toHaveURL(new URL(rotated).pathname);
  const newcomer = await (await browser.newContext()).newPage();
  await newcomer.goto(link);
  await expect(newcomer.getByRole("heading", { name: "Not found" })).toBeVisible();
  await member.page.goto(link);
  await expect(member.page).toHaveURL(new URL(rotated).pathname);
  await new RoomPage(member.page).expectOpenAs(ROOM, "mia");
  await member.send("after the rotation");
  await expect(owner.messages().last().locator(".content")).toHaveText("after the rotation");
});

test("the owner deletes the room once confirmed, lands on the home page and the link is gone", async ({
  browser,
}) => {
  const page = await (await browser.newContext()).newPage();
  const owner = await createRoomAs(page, "Short-lived", "dora");
  const link = await owner.shareLink();
  await owner.openMenu();
  await owner.page.getByText("Room settings").click();
  await owner.page.getByLabel("Yes, delete this room and every message in it").check();
  await owner.page.getByRole("button", { name: "Delete room" }).click();
  await expect.poll(() => new URL(owner.page.url()).pathname).toBe("/");
  const late = await (await browser.newContext()).newPage();
  await late.goto(link);
  await expect(late.getByRole("heading", { name: "Not found" })).toBeVisible();
});
