// Shared set-up for the browser tests: Debian's Chromium through playwright-core, a fresh
// profile per run, screenshots of every page visited, and a guard that nothing is fetched
// from outside the server under test.
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

export const BASE_URL = (process.env.BASE_URL || "http://127.0.0.1:3000").replace(/\/$/, "");
/** The demo tenant's site: `demo.localhost` on the same port (Chromium resolves *.localhost). */
export const TENANT_URL = BASE_URL.replace(/\/\/[^/:]+/, "//demo.localhost");
/** The platform's own site, where the central part lives. */
export const PLATFORM_URL = BASE_URL.replace(/\/\/[^/:]+/, "//localhost");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const here = path.dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = path.join(here, "artifacts");

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Starts Chromium. `launch()` gives it a fresh temporary `--user-data-dir` of its own (it
 * refuses one in `args`) and removes it on close; each test then opens its own context.
 */
export async function startBrowser() {
  mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}

/**
 * A new page in its own context (own cookies), Russian-speaking unless `locale` says
 * otherwise. `page.outside` collects requests that left the server under test.
 */
export async function newPage(browser, { locale = "ru-RU", viewport = { width: 1280, height: 900 } } = {}) {
  const context = await browser.newContext({ locale, viewport });
  const page = await context.newPage();
  page.outside = [];
  page.on("request", (request) => {
    const url = request.url();
    const ours = [BASE_URL, TENANT_URL, PLATFORM_URL].some((base) => url.startsWith(base));
    if (!ours && !url.startsWith("data:") && !url.startsWith("blob:")) {
      page.outside.push(url);
    }
  });
  page.errors = [];
  page.on("pageerror", (error) => page.errors.push(String(error)));
  return page;
}

let shots = 0;
// node --test runs each file in its own process: its name keeps the screenshots apart.
const suite = path.basename(process.argv[1] || "suite").replace(/\.test\.mjs$|\.mjs$/, "");

/** Saves a full-page screenshot into artifacts/, named after the test step. */
export async function snap(page, name) {
  shots += 1;
  const file = `${suite}-${String(shots).padStart(2, "0")}-${name.replace(/[^a-z0-9-]+/gi, "-")}.png`;
  await page.screenshot({ path: path.join(ARTIFACTS, file), fullPage: true });
}

/** Goes to `pathname` and screenshots it; returns the response. */
export async function visit(page, pathname, name) {
  const response = await page.goto(BASE_URL + pathname, { waitUntil: "load" });
  await snap(page, name);
  return response;
}

/** Texts of the cells of column `index` (0-based) in the first data table. */
export async function columnTexts(page, index) {
  return page.$$eval(
    ".data-table tbody tr",
    (rows, i) => rows.map((row) => row.cells[i].textContent.trim()),
    index,
  );
}

export function cleanArtifacts() {
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
}
