// The author of a message edits it and takes it back; the other person sees both live.
import { expect, test } from "@playwright/test";
import { createRoomAs, joinAs } from "./pages";

test("an edit and a deletion by the author reach the other person without a reload", async ({
  browser,
}) => {
  const author = await createRoomAs(await (await browser.newContext()).newPage(), "Edits", "edda");
  const reader = await joinAs(browser, await author.shareLink(), "Edits", "rolf");

  await author.send("teh typo");
  await expect(reader.messages().last().locator(".content")).toHaveText("teh typo");
  // Only the author gets Edit and Delete on it.
  await expect(reader.page.getByLabel("Edit your message")).toHaveCount(0);

  await author.page.getByLabel("Edit your message").click();
  const box = author.page.getByLabel("New text of your message");
  await expect(box).toHaveValue("teh typo");
  await box.fill("the typo");
  await author.page.getByRole("button", { name: "Save" }).click();
  for (const room of [reader, author]) {
    await expect(room.messages().last().locator(".content")).toHaveText("the typo");
    await expect(room.messages().last().locator(".edited")).toHaveText("(edited)");
  }

  await author.page.getByRole("button", { name: "Delete your message" }).click();
  for (const room of [reader, author]) {
    await expect(room.messages().last().locator(".content")).toHaveText("message deleted");
  }
  await expect(reader.page.locator(".messages")).not.toContainText("the typo");
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
