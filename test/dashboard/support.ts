import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { describe } from "vitest";
import { ROOT } from "../support/processes";

export { eventually, ServerProcess, sleep } from "../support/server-process";

// Browser tests drive Debian's Chromium with playwright-core (playwright's own browser download is not used).
export const CHROMIUM = process.env.VOICECAST_CHROMIUM ?? "/usr/bin/chromium";
const REQUIRED = process.env.VOICECAST_REQUIRE_BROWSER === "1";
export const HAVE_BROWSER = existsSync(CHROMIUM);

if (!HAVE_BROWSER) {
  const why = `browser tests need Chromium at ${CHROMIUM} (apt-get install -y chromium, or set VOICECAST_CHROMIUM)`;
  if (REQUIRED) throw new Error(`VOICECAST_REQUIRE_BROWSER=1 but ${why}`);
  console.warn(`SKIPPING browser tests: ${why}`);
}

/** Runs the block only when Chromium is installed; CI sets VOICECAST_REQUIRE_BROWSER=1 so it can never skip. */
export const describeWithBrowser = HAVE_BROWSER ? describe : describe.skip;

// Every run writes its screenshots here (not committed); docs/img/dashboard-execution.png is one kept for the README.
export const SCREENSHOTS = join(ROOT, "docs", "img", "test-runs");

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.evaluate("window.scrollTo(0, 0)");
  await page.screenshot({ path: join(SCREENSHOTS, name), fullPage: false });
}

/** Signs in through the form, as a person would. */
export async function signIn(page: Page, baseUrl: string, key: string, path = "/dashboard/"): Promise<void> {
  await page.goto(`${baseUrl}${path}`);
  await page.fill('input[name="apiKey"]', key);
  await page.click('button[type="submit"]');
  await page.waitForSelector('[data-connection="live"]');
}

export const COUNTER_FIELDS = ["totalContacts", "contactsCompleted", "contactsFailed", "contactsPending", "contactsInProgress", "contactsSkipped"] as const;

/** The counters as the page shows them. */
export async function pageCounters(page: Page): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const texts = await page.locator("[data-counter]").evaluateAll((els) => els.map((el) => [el.getAttribute("data-counter"), el.textContent]));
  for (const [field, text] of texts) out[String(field)] = Number(text);
  return Object.fromEntries(COUNTER_FIELDS.map((f) => [f, out[f] ?? NaN]));
}

/** The REST view of the same counters. */
export function restCounters(body: Record<string, unknown>): Record<string, number> {
  return Object.fromEntries(COUNTER_FIELDS.map((f) => [f, body[f] as number]));
}

