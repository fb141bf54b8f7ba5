// Live delivery with two or three people: presence, typing, unread count, reconnect.
// Names are claimed server-wide, so each test on the shared server uses its own.
import { expect, test, type Browser } from "@playwright/test";
import { createRoomAs, joinAs, setHidden } from "./pages";
import { OwnServer } from "./server";

const join = (browser: Browser, link: string, name: string) =>
  joinAs(browser, link, "Live room", name);

/** Creates a room as the first of `names`; everyone else joins through the share link. */
async function roomWith(browser: Browser, names: string[], baseURL?: string) {
  const page = await (await browser.newContext(baseURL ? { baseURL } : {})).newPage();
  const creator = await createRoomAs(page, "Live room", names[0]);
  const link = await creator.shareLink();
  const rooms = [creator];
  for (const name of names.slice(1)) rooms.push(await join(browser, link, name));
  return { rooms, link };
}

test("presence shows who is online and updates live", async ({ browser }) => {
  const {
    rooms: [alice, bob],
    link,
  } = await roomWith(browser, ["ana", "ben"]);
  await expect(alice.page.locator(".online-user .author")).toHaveText(["ana", "ben"]);
  await expect(bob.page.locator(".online-user .author")).toHaveText(["ana", "ben"]);

  // A second tab of bob's counts once.
  const bobTab = await bob.page.context().newPage();
  await bobTab.goto(bob.page.url());
  await expect(bobTab.locator(".online-user .author")).toHaveText(["ana", "ben"]);

  // Bob closes both tabs; carol arrives.
  await bob.page.close();
  await bobTab.close();
  await expect(alice.page.locator(".online-user .author")).toHaveText(["ana"]);
  await join(browser, link, "cara");
  await expect(alice.page.locator(".online-user .author")).toHaveText(["ana", "cara"]);
});

test("typing shows for the others and disappears after a few seconds", async ({ browser }) => {
  const {
    rooms: [alice, bob, carol],
  } = await roomWith(browser, ["amy", "bo", "cy"]);
  await bob.messageBox().pressSequentially("hel", { delay: 50 });
  await expect(alice.page.locator(".typing")).toHaveText("bo is typing…");
  await expect(carol.page.locator(".typing")).toHaveText("bo is typing…");
  // Not shown to the typist.
  await expect(bob.page.locator(".typing")).toHaveText("");
  await expect(alice.page.locator(".typing")).toHaveText("", { timeout: 8_000 });
});

test("a hidden tab counts unread messages in its title and marks where they start", async ({
  browser,
}) => {
  const {
    rooms: [alice, bob],
  } = await roomWith(browser, ["ada", "bert"]);
  await bob.send("seen while visible");
  await alice.expectMessages([["bert", "seen while visible"]]);

  // Alice switches away.
  await setHidden(alice, true);
  await bob.send("first while away");
  await bob.send("second while away");
  await expect(alice.page).toHaveTitle("(2) Live room");

  // She comes back: the count goes, the divider marks the first unread message.
  await setHidden(alice, false);
  await expect(alice.page).toHaveTitle("Live room · Chat");
  const divider = alice.page.locator(".unread-divider");
  await expect(divider).toHaveCount(1);
  await expect(divider.locator("+ li .content")).toHaveText("first while away");
});

test("after a server restart the page reconnects and shows what was sent meanwhile", async ({
  browser,
}) => {
  const server = new OwnServer(3108);
  await server.start();
  try {
    const {
      rooms: [alice, bob],
    } = await roomWith(browser, ["alice", "bob"], server.baseURL);
    await bob.send("before the restart");
    await alice.expectMessages([["bob", "before the restart"]]);

    await server.stop();
    await expect(alice.page.locator(".status")).toHaveText("reconnecting…");
    await server.start();

    // Bob sends right away, through the API, while alice's page is still reconnecting.
    const key = new URL(alice.page.url()).pathname.split("/")[2];
    for (const text of ["during the outage 1", "during the outage 2"]) {
      const res = await bob.page.request.post(`${server.baseURL}/api/send_message`, {
        form: { hash_key: key, content: text },
        headers: { Accept: "application/json" },
      });
      expect(res.status()).toBe(200);
    }
    await expect(alice.page.locator(".status")).toHaveText("live", { timeout: 15_000 });
    await alice.expectMessages([
      ["bob", "before the restart"],
      ["bob", "during the outage 1"],
      ["bob", "during the outage 2"],
    ]);
    // And live delivery goes on.
    await bob.send("after the restart");
    await alice.expectMessages([
      ["bob", "before the restart"],
      ["bob", "during the outage 1"],
      ["bob", "during the outage 2"],
      ["bob", "after the restart"],
    ]);
  } finally {
    await server.stop();
  }
});
