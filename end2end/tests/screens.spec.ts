// The chat on a phone and a desktop, light and dark: a full-height chat screen, accessible
// (axe-core, WCAG 2.1 AA), usable by keyboard alone. Screenshots of every page go to the test
// results (not committed).
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page, type Locator, type TestInfo } from "@playwright/test";
import { HomePage, LoginPage, RoomPage, joinAs } from "./pages";
import { OwnServer } from "./server";

// Seeding a long history quickly is what the rate limits exist to stop: a server of our own.
const server = new OwnServer(3111, { RATE_LIMITS: "false" });
test.beforeAll(() => server.start());
test.afterAll(() => server.stop());

const SIZES = [
  { name: "phone", width: 390, height: 844 },
  { name: "desktop", width: 1280, height: 800 },
] as const;
const THEMES = ["light", "dark"] as const;

/** The page's root background, as the theme paints it. */
const BACKGROUND = { light: "rgb(243, 244, 247)", dark: "rgb(15, 17, 21)" };

async function expectAccessible(page: Page, what: string) {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  const found = results.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(" | ")}`,
  );
  expect(found, `axe-core on ${what}`).toEqual([]);
}

async function screenshot(page: Page, info: TestInfo, name: string) {
  await page.screenshot({ path: info.outputPath(`${name}.png`) });
}

/** Sends `count` messages of several lines as the page's session, through the API. */
async function seed(page: Page, count: number, prefix: string) {
  const key = new URL(page.url()).pathname.split("/")[2];
  for (let i = 1; i <= count; i++) {
    const res = await page.request.post("/api/send_message", {
      form: { hash_key: key, content: `${prefix} ${i}\nsecond line\nthird line` },
      headers: { Accept: "application/json" },
    });
    expect(res.status()).toBe(200);
  }
}

/** Presses Tab until `target` has the focus (as a keyboard user would), failing after 80. */
async function tabTo(page: Page, target: Locator) {
  for (let i = 0; i < 80; i++) {
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`Tab never reached ${target}`);
}

for (const size of SIZES) {
  for (const theme of THEMES) {
    const tag = `${size.name}-${theme}`;
    test(`${tag}: every page is a usable, accessible screen`, async ({ browser }, info) => {
      const context = await browser.newContext({
        baseURL: server.baseURL,
        viewport: { width: size.width, height: size.height },
        colorScheme: theme,
      });
      const page = await context.newPage();

      await page.goto("/");
      await expect(page.locator("html")).toHaveCSS("background-color", BACKGROUND[theme]);
      await expectAccessible(page, `home (${tag})`);
      await screenshot(page, info, `home-${tag}`);

      const missing = await page.goto("/no/such/page");
      expect(missing?.status()).toBe(404);
      await expectAccessible(page, `404 (${tag})`);
      await screenshot(page, info, `404-${tag}`);

      await page.goto("/");
      await new HomePage(page).createRoom(`Screens ${tag}`);
      const login = new LoginPage(page);
      await login.expectShown();
      await expectAccessible(page, `login (${tag})`);
      await screenshot(page, info, `login-${tag}`);
      const name = `scr${size.width}${theme}`;
      await login.logIn(name);
      const room = new RoomPage(page);
      await room.expectOpenAs(`Screens ${tag}`, name);

      await seed(page, 14, "note");
      await page.reload();
      await room.expectOpenAs(`Screens ${tag}`, name);

      // A chat screen: the composer in sight without scrolling, a compact header, the newest
      // message at the bottom, and only the list scrolls.
      await expect(room.messageBox()).toBeInViewport();
      await expect(room.messages().last()).toBeInViewport();
      const header = await page.locator(".room-header").boundingBox();
      expect(header).not.toBeNull();
      if (size.name === "phone") expect(header!.height).toBeLessThanOrEqual(0.15 * size.height);
      const scroll = await page.evaluate(() => {
        const list = document.querySelector(".scroller") as HTMLElement;
        return {
          page: document.documentElement.scrollHeight,
          view: window.innerHeight,
          list: list.scrollHeight,
          box: list.clientHeight,
        };
      });
      expect(scroll.page).toBeLessThanOrEqual(scroll.view);
      expect(scroll.list).toBeGreaterThan(scroll.box);
      const composerBox = await room.messageBox().boundingBox();
      expect(composerBox!.y + composerBox!.height).toBeLessThanOrEqual(size.height);

      // One run from one person: the name once, then continued messages; one day separator.
      await expect(room.messages().first()).not.toHaveClass(/continued/);
      await expect(page.locator(".message.continued")).toHaveCount(13);
      await expect(page.locator(".day-separator")).toHaveText(["Today"]);
      // Own messages sit on the right.
      const own = await room.messages().last().boundingBox();
      const list = await page.locator(".scroller").boundingBox();
      expect(own!.x + own!.width).toBeGreaterThan(list!.x + list!.width * 0.8);
      // The full date is in the time's tooltip, in the reader's zone.
      await expect(room.messages().last().locator("time")).toHaveAttribute(
        "title",
        /^\w+day \d{1,2} \w+ \d{4}, \d\d:\d\d$/,
      );

      await expectAccessible(page, `room (${tag})`);
      await screenshot(page, info, `room-${tag}`);
      await room.openMenu();
      await expectAccessible(page, `room menu (${tag})`);
      await screenshot(page, info, `room-menu-${tag}`);
      await page.keyboard.press("Escape");
      await expect(page.locator("details.room-menu")).not.toHaveAttribute("open", "");

      // The people online: beside the messages on a desktop, behind the count on a phone.
      const people = page.locator("#people");
      if (size.name === "phone") {
        await expect(people).toBeHidden();
        await page.locator(".online-count").click();
      }
      await expect(people.locator(".online-user .author")).toHaveText([name]);
      await expect(people).toBeInViewport();
      if (size.name === "phone") {
        await expectAccessible(page, `people (${tag})`);
        await page.keyboard.press("Escape");
        await expect(people).toBeHidden();
      }
      await context.close();
    });
  }
}

test("the theme switch wins over the system's and is remembered", async ({ browser }) => {
  const context = await browser.newContext({ baseURL: server.baseURL, colorScheme: "light" });
  const page = await context.newPage();
  await page.goto("/");
  const html = page.locator("html");
  await expect(html).toHaveCSS("background-color", BACKGROUND.light);
  await page.getByRole("button", { name: "Dark" }).click();
  await expect(html).toHaveAttribute("data-theme", "dark");
  await expect(html).toHaveCSS("background-color", BACKGROUND.dark);
  await expect(page.getByRole("button", { name: "Dark" })).toHaveAttribute("aria-pressed", "true");
  await expect(page.locator('meta[name="theme-color"]').first()).toHaveAttribute(
    "content",
    "#181b22",
  );
  // Rendered dark from the first byte on the next page.
  await page.reload();
  await expect(html).toHaveAttribute("data-theme", "dark");
  await page.getByRole("button", { name: "System" }).click();
  await expect(html).not.toHaveAttribute("data-theme", /./);
  await expect(html).toHaveCSS("background-color", BACKGROUND.light);
  await context.close();
});

test("scrolled up, new messages wait behind a button instead of moving the view", async ({
  browser,
}) => {
  const phone = { viewport: { width: 390, height: 844 }, baseURL: server.baseURL };
  const alicePage = await (await browser.newContext(phone)).newPage();
  await alicePage.goto("/");
  await new HomePage(alicePage).createRoom("Catching up");
  await new LoginPage(alicePage).logIn("newsalice");
  const alice = new RoomPage(alicePage);
  await alice.expectOpenAs("Catching up", "newsalice");
  await seed(alicePage, 14, "earlier");
  const bob = await joinAs(
    browser,
    await alice.shareLink(),
    "Catching up",
    "newsbob",
    await browser.newContext(phone),
  );
  await expect(bob.messages()).toHaveCount(14);

  // At the bottom, a new message just shows.
  await alice.send("first news");
  await expect(bob.messages().last()).toBeInViewport();
  await expect(bob.page.locator(".jump-new")).toHaveCount(0);

  // Scrolled up: the view stays, a button counts what came.
  await bob.page.locator(".scroller").evaluate((el) => (el.scrollTop = 0));
  await alice.send("second news");
  await alice.send("third news");
  const jump = bob.page.getByRole("button", { name: /2 new messages/ });
  await expect(jump).toBeVisible();
  await expect(bob.messages().last()).not.toBeInViewport();
  // Live messages are announced (they are in the log); the history is there from the start.
  await expect(bob.page.locator('[role="log"][aria-live="polite"]')).toContainText("third news");
  await jump.click();
  await expect(bob.messages().last()).toBeInViewport();
  await expect(jump).toHaveCount(0);
});

test("keyboard only: create a room, log in, send, reply, react and use the menu", async ({
  browser,
}) => {
  const context = await browser.newContext({
    baseURL: server.baseURL,
    viewport: { width: 1280, height: 800 },
  });
  const page = await context.newPage();
  const keys = page.keyboard;
  await page.goto("/");
  await tabTo(page, page.getByLabel("Chatroom name"));
  await keys.type("Keys only");
  await keys.press("Enter");
  const login = new LoginPage(page);
  await login.expectShown();
  await tabTo(page, page.getByLabel("Username"));
  await keys.type("keyboarder");
  await keys.press("Enter");
  const room = new RoomPage(page);
  await room.expectOpenAs("Keys only", "keyboarder");

  // Send with Enter; and with the Send button, after which focus is back in the box.
  await tabTo(page, room.messageBox());
  await keys.type("hello by keyboard");
  await keys.press("Enter");
  await expect(room.messages().last().locator(".content")).toHaveText("hello by keyboard");
  await keys.type("and by button");
  await tabTo(page, page.getByRole("button", { name: "Send" }));
  await keys.press("Enter");
  await expect(room.messages().last().locator(".content")).toHaveText("and by button");
  await expect(room.messageBox()).toBeFocused();

  // Reply: the message's Reply link, then the box has the focus.
  await tabTo(page, page.getByLabel("Reply to keyboarder").first());
  await keys.press("Enter");
  await expect(room.messageBox()).toBeFocused();
  await keys.type("a reply");
  await keys.press("Enter");
  await expect(room.messages().last().locator(".quote")).toHaveText(
    "↪ keyboarder: hello by keyboard",
  );

  // React: open the picker on the first message and take 👍.
  await tabTo(page, page.getByRole("button", { name: "React to this message" }).first());
  await keys.press("Enter");
  await tabTo(page, page.getByRole("button", { name: "React with 👍" }));
  await keys.press("Enter");
  await expect(room.messages().first().locator(".reaction button")).toContainText("👍");

  // The menu: opens with Enter, closes with Esc, focus back on its button.
  const summary = page.locator("details.room-menu > summary");
  await tabTo(page, summary);
  await keys.press("Enter");
  await expect(page.locator("details.room-menu")).toHaveAttribute("open", "");
  await tabTo(page, page.getByRole("button", { name: "Dark" }));
  await keys.press("Enter");
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  await keys.press("Escape");
  await expect(page.locator("details.room-menu")).not.toHaveAttribute("open", "");
  await expect(summary).toBeFocused();
  await context.close();
});

test("without JavaScript the same screen works: people by a link, the menu and the theme by forms", async ({
  browser,
}) => {
  const context = await browser.newContext({
    baseURL: server.baseURL,
    viewport: { width: 390, height: 844 },
    javaScriptEnabled: false,
  });
  const page = await context.newPage();
  await page.goto("/");
  await new HomePage(page).createRoom("Plain screen");
  await new LoginPage(page).logIn("plainreader");
  await expect(page.getByRole("heading", { name: "Plain screen" })).toBeVisible();
  await expect(page.getByLabel("Message", { exact: true })).toBeInViewport();
  const header = await page.locator(".room-header").boundingBox();
  expect(header!.height).toBeLessThanOrEqual(0.15 * 844);

  // The count is a link to the list of people, which then covers the messages.
  await expect(page.locator("#people")).toBeHidden();
  await page.locator(".online-count").click();
  await expect(page).toHaveURL(/#people$/);
  await expect(page.locator("#people .online-user .author")).toHaveText(["plainreader"]);
  await page.getByLabel("Close the list of people").click();
  await expect(page.locator("#people")).toBeHidden();

  // The menu is a disclosure; its theme buttons are forms that come back to the room.
  await page.locator("details.room-menu > summary").click();
  await page.getByRole("button", { name: "Dark" }).click();
  await expect(page.getByRole("heading", { name: "Plain screen" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  await expect(page.locator("html")).toHaveCSS("background-color", BACKGROUND.dark);
  await context.close();
});
