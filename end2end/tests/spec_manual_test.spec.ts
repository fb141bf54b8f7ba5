// The manual test script of docs/functional-spec.md, step by step, in a real browser.
import { expect, test } from "@playwright/test";
import { HomePage, LoginPage, RoomPage } from "./pages";

test("create a room, talk in two tabs and with a second person via the share link", async ({
  browser,
}) => {
  // Create a chatroom.
  const aliceContext = await browser.newContext();
  const alicePage = await aliceContext.newPage();
  const home = new HomePage(alicePage);
  await home.open();
  await home.createRoom("Spec room");

  // Not in a session yet: the login form, then back to the room.
  const aliceLogin = new LoginPage(alicePage);
  await aliceLogin.expectShown();
  await aliceLogin.logIn("alice");
  const alice = new RoomPage(alicePage);
  await alice.expectOpenAs("Spec room", "alice");
  const roomUrl = alicePage.url();

  // Send some messages as yourself.
  await alice.send("Hello, anyone here?");
  await alice.send("It's alice.");
  await alice.expectMessages([
    ["alice", "Hello, anyone here?"],
    ["alice", "It's alice."],
  ]);

  // Same page in another tab of the same browser: still alice, same history.
  const secondTab = new RoomPage(await aliceContext.newPage());
  await secondTab.page.goto(roomUrl);
  await secondTab.expectOpenAs("Spec room", "alice");
  await secondTab.expectMessages([
    ["alice", "Hello, anyone here?"],
    ["alice", "It's alice."],
  ]);

  // The share link at the bottom of the page is this room's address.
  const shareLink = await alice.shareLink();
  expect(shareLink).toBe(roomUrl);

  // A separate browser (fresh context = incognito) opens the link and logs in as someone else.
  const bobContext = await browser.newContext();
  const bobPage = await bobContext.newPage();
  await bobPage.goto(shareLink);
  const bobLogin = new LoginPage(bobPage);
  await bobLogin.expectShown();
  await bobLogin.logIn("bob");
  const bob = new RoomPage(bobPage);
  await bob.expectOpenAs("Spec room", "bob");
  await bob.expectMessages([
    ["alice", "Hello, anyone here?"],
    ["alice", "It's alice."],
  ]);

  // They talk both ways, without reloading.
  await bob.send("Hi alice, bob here!");
  await alice.expectMessages([
    ["alice", "Hello, anyone here?"],
    ["alice", "It's alice."],
    ["bob", "Hi alice, bob here!"],
  ]);
  await alice.send("Welcome, bob.");
  const all: Array<[string, string]> = [
    ["alice", "Hello, anyone here?"],
    ["alice", "It's alice."],
    ["bob", "Hi alice, bob here!"],
    ["alice", "Welcome, bob."],
  ];
  await bob.expectMessages(all);
  // The second tab of alice's browser follows along too.
  await secondTab.expectMessages(all);

  // Each sees their own messages marked as theirs.
  await expect(bob.messages().filter({ hasText: "bob here" })).toHaveClass(/mine/);
  await expect(alice.messages().filter({ hasText: "bob here" })).not.toHaveClass(/mine/);

  await aliceContext.close();
  await bobContext.close();
});
