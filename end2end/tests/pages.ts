import { expect, type Browser, type BrowserContext, type Page } from "@playwright/test";

/** The home page: the create-chatroom form. */
export class HomePage {
  constructor(private readonly page: Page) {}

  async open() {
    await this.page.goto("/");
  }

  async createRoom(name: string) {
    await this.page.getByLabel("Chatroom name").fill(name);
    await this.page.getByRole("button", { name: "Create chatroom" }).click();
  }
}

/** The login form at /login?next=... */
export class LoginPage {
  constructor(private readonly page: Page) {}

  async expectShown() {
    await expect(this.page).toHaveURL(/\/login\?next=/);
    await expect(this.page.getByRole("heading", { name: "Choose a username" })).toBeVisible();
  }

  async logIn(username: string, passphrase?: string) {
    await this.page.getByLabel("Username").fill(username);
    if (passphrase !== undefined) await this.page.getByLabel("Passphrase (optional)").fill(passphrase);
    await this.page.getByRole("button", { name: "Join" }).click();
  }
}

/** An open chatroom. */
export class RoomPage {
  constructor(readonly page: Page) {}

  async expectOpenAs(roomName: string, username: string) {
    await expect(this.page).toHaveURL(/\/chatrooms\/[A-Za-z0-9_-]{16}\/$/);
    await expect(this.page.getByRole("heading", { name: roomName })).toBeVisible();
    await expect(this.page.locator(".whoami")).toHaveText(`You are ${username}`);
    // The page is live once the wasm bundle hydrated it and started listening for messages.
    await expect(this.page.locator(".room")).toHaveAttribute("data-live", "true", {
      timeout: 15_000,
    });
  }

  messageBox() {
    return this.page.getByLabel("Message", { exact: true });
  }

  /** Types a message and presses Enter, as a person does. */
  async send(text: string) {
    await this.messageBox().fill(text);
    await this.messageBox().press("Enter");
    await expect(this.messageBox()).toHaveValue("");
  }

  messages() {
    return this.page.locator(".messages .message");
  }

  /** Waits until the message list shows exactly these (author, text) pairs, in order. */
  async expectMessages(expected: Array<[string, string]>) {
    await expect(this.messages().locator(".author")).toHaveText(expected.map(([a]) => a));
    await expect(this.messages().locator(".content")).toHaveText(expected.map(([, t]) => t));
  }

  /** Opens the header's menu (account, share link, theme, room settings), if it is closed. */
  async openMenu() {
    const menu = this.page.locator("details.room-menu");
    if ((await menu.getAttribute("open")) === null) {
      await menu.locator(":scope > summary").click();
    }
    await expect(menu).toHaveAttribute("open", "");
  }

  async shareLink(): Promise<string> {
    return this.page.locator("#share-url").inputValue();
  }
}

/** Creates a room from the home page and logs in as `username`; returns the open room. */
export async function createRoomAs(
  page: Page,
  roomName: string,
  username: string,
  passphrase?: string,
) {
  const home = new HomePage(page);
  await home.open();
  await home.createRoom(roomName);
  const login = new LoginPage(page);
  await login.expectShown();
  await login.logIn(username, passphrase);
  const room = new RoomPage(page);
  await room.expectOpenAs(roomName, username);
  return room;
}

/** Opens `link` in a new browser context (another person; or in `context` if given) and logs in
 * as `name`; returns the open room, checked to be `roomName`. */
export async function joinAs(
  browser: Browser,
  link: string,
  roomName: string,
  name: string,
  context?: BrowserContext,
) {
  const page = await (context ?? (await browser.newContext())).newPage();
  await page.goto(link);
  const login = new LoginPage(page);
  await login.expectShown();
  await login.logIn(name);
  const room = new RoomPage(page);
  await room.expectOpenAs(roomName, name);
  return room;
}

/** Makes the page believe its tab is hidden (or visible again), as switching tabs does. */
export async function setHidden(room: RoomPage, hidden: boolean) {
  await room.page.evaluate((h) => {
    Object.defineProperty(document, "hidden", { configurable: true, get: () => h });
    Object.defineProperty(document, "visibilityState", {
      configurable: true,
      get: () => (h ? "hidden" : "visible"),
    });
    document.dispatchEvent(new Event("visibilitychange", { bubbles: true }));
  }, hidden);
}
