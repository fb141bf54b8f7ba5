// Everyday message actions between two people: edit and delete (the author's), reply, @mention
// (offered, highlighted, notified while hidden) and reactions, each seen live by the other.
import { expect, test } from "@playwright/test";
import { createRoomAs, joinAs, setHidden } from "./pages";

test("an edit and a deletion by the author reach the other person without a reload", async ({
  browser,
}) => {
  const author = await createRoomAs(await (await browser.newContext()).newPage(), "Edits", "edda");
  const reader = await joinAs(browser, await author.shareLink(), "Edits", "rolf");

  await author.send("teh typo");
  await expect(reader.messages().last().locator(".content")).toHaveText("teh typo");
  // Only the author gets Edit and Delete on it.
  await expect(reader.page.getByLabel("Edit your message")).toHaveCount(0);

  // Esc closes the editor; "Edit" opens it again, focused on the text.
  await author.page.getByLabel("Edit your message").click();
  const box = author.page.getByLabel("New text of your message");
  await expect(box).toBeFocused();
  await author.page.keyboard.press("Escape");
  await expect(box).toHaveCount(0);
  await author.page.getByLabel("Edit your message").click();
  await expect(box).toHaveValue("teh typo");
  await box.fill("the typo");
  await author.page.getByRole("button", { name: "Save" }).click();
  // Saved: the editor closes in place (no reload).
  await expect(box).toHaveCount(0);
  for (const room of [reader, author]) {
    await expect(room.messages().last().locator(".content")).toHaveText("the typo");
    await expect(room.messages().last().locator(".edited")).toHaveText("(edited)");
  }

  await author.page.getByRole("button", { name: "Delete your message" }).click();
  for (const room of [reader, author]) {
    await expect(room.messages().last().locator(".content")).toHaveText("message deleted");
  }
  await expect(reader.page.locator(".scroller")).not.toContainText("the typo");
});

test("a reply quotes its original, and the quote leads back to it", async ({ browser }) => {
  const asker = await createRoomAs(await (await browser.newContext()).newPage(), "Threads", "asta");
  const helper = await joinAs(browser, await asker.shareLink(), "Threads", "hugo");

  await asker.send("How do I export the history?\nI looked everywhere.");
  // Enough to scroll it out of view, within the sending budget (20 at once).
  for (let n = 0; n < 15; n++) await asker.send(`filler ${n}`);
  // Hugo answers the question (scrolled far up by now).
  await helper.page.getByLabel("Reply to asta").first().click();
  await expect(helper.page.locator(".replying")).toContainText("How do I export the history?");
  await helper.send("Use the links under the share box.");
  await expect(helper.page.locator(".replying")).toHaveCount(0);
  for (const room of [asker, helper]) {
    await expect(room.messages().last().locator(".quote")).toHaveText(
      "↪ asta: How do I export the history?",
    );
  }
  // Clicking the quote brings the original (out of view by now) back into view.
  await expect(asker.messages().first()).not.toBeInViewport();
  await asker.messages().last().locator(".quote").click();
  await expect(asker.messages().first()).toBeInViewport();
});

test("an @mention is offered, highlighted for the one named, and notifies them while away", async ({
  browser,
}) => {
  const ann = await createRoomAs(await (await browser.newContext()).newPage(), "Mentions", "anouk");
  // Maelys's browser records the notifications it shows.
  const maelysContext = await browser.newContext();
  await maelysContext.addInitScript(() => {
    const Original = window.Notification;
    const shown: Array<{ title: string; body?: string }> = [];
    (window as unknown as { shown: typeof shown }).shown = shown;
    window.Notification = class extends Original {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        shown.push({ title, body: options?.body });
      }
    } as typeof Notification;
  });
  const maelys = await joinAs(browser, await ann.shareLink(), "Mentions", "maelys", maelysContext);

  // Permission is asked only on a click of the visible control.
  await maelys.openMenu();
  const notifyMe = maelys.page.getByRole("button", { name: "Notify me of mentions" });
  await expect(notifyMe).toBeVisible();
  await maelysContext.grantPermissions(["notifications"]);
  await notifyMe.click();
  await expect(maelys.page.locator(".notify-state")).toHaveText(
    "Mentions notify you while this tab is hidden.",
  );

  // Typing "@mae" offers maelys (online); Enter takes the name instead of sending.
  await setHidden(maelys, true);
  await ann.messageBox().pressSequentially("@mae");
  const offered = ann.page.getByRole("option", { name: "@maelys" });
  await expect(offered).toBeVisible();
  await expect(offered).toHaveAttribute("aria-selected", "true");
  await ann.messageBox().press("Enter");
  await expect(ann.messageBox()).toHaveValue("@maelys ");
  await expect(ann.page.getByRole("listbox")).toHaveCount(0);
  await ann.messageBox().pressSequentially("can you look at the release notes?");
  await ann.messageBox().press("Enter");
  await expect(ann.messageBox()).toHaveValue("");

  // Maelys: highlighted, a notification, and the title says so while she is away.
  const mention = maelys.messages().last();
  await expect(mention).toHaveClass(/mentions-me/);
  await expect(mention.locator("mark.mention")).toHaveText("@maelys");
  await expect(maelys.page).toHaveTitle("(1 @) Mentions");
  const shown = () => maelys.page.evaluate(() => (window as unknown as { shown: unknown[] }).shown);
  await expect.poll(shown).toEqual([
    { title: "anouk mentioned you in Mentions", body: "@maelys can you look at the release notes?" },
  ]);
  // A message that does not name her changes the unread count only.
  await ann.send("and @maelysse is someone else");
  await expect(maelys.page).toHaveTitle("(1 @) Mentions");
  await expect(maelys.messages().last()).not.toHaveClass(/mentions-me/);
  await setHidden(maelys, false);
  await expect(maelys.page).toHaveTitle("Mentions · Chat");
  expect(await shown()).toHaveLength(1);
  // The author's own message is not highlighted for her.
  await expect(ann.messages().last()).not.toHaveClass(/mentions-me/);
});

test("reactions are added, counted and taken back live", async ({ browser }) => {
  const ann = await createRoomAs(await (await browser.newContext()).newPage(), "Reactions", "ariane");
  const bob = await joinAs(browser, await ann.shareLink(), "Reactions", "bastien");
  await ann.send("ship it?");
  await expect(bob.messages().last().locator(".content")).toHaveText("ship it?");

  // Bob reacts from the picker.
  await bob.page.getByRole("button", { name: "React to this message" }).click();
  await bob.page.getByRole("button", { name: "React with 👍" }).click();
  await expect(bob.page.locator(".reaction-picker")).toHaveCount(0);
  const thumbs = (room: typeof ann) => room.messages().last().locator(".reaction button").first();
  for (const room of [ann, bob]) await expect(thumbs(room)).toHaveText("👍 1");
  await expect(thumbs(ann)).toHaveAttribute("aria-pressed", "false");
  await expect(thumbs(ann)).toHaveAttribute("title", "bastien");
  await expect(thumbs(bob)).toHaveAttribute("aria-pressed", "true");

  // Ann adds hers by clicking the count; bob takes his back the same way.
  await ann.page.getByRole("button", { name: "React 👍 too (1: bastien)" }).click();
  for (const room of [ann, bob]) await expect(thumbs(room)).toHaveText("👍 2");
  await expect(thumbs(bob)).toHaveAttribute("title", "bastien, ariane");
  await bob.page.getByRole("button", { name: /Take back your reaction 👍/ }).click();
  for (const room of [ann, bob]) await expect(thumbs(room)).toHaveText("👍 1");

  // Any emoji can be typed; text cannot.
  await bob.page.getByRole("button", { name: "React to this message" }).click();
  const any = bob.page.getByLabel("Any emoji");
  await any.fill("nice");
  await any.press("Enter");
  await expect(bob.page.locator(".reaction-picker .form-error")).toContainText("one emoji");
  await any.fill("🦀");
  await any.press("Enter");
  for (const room of [ann, bob]) {
    await expect(room.messages().last().locator(".reaction button")).toHaveText(["👍 1", "🦀 1"]);
  }
});
