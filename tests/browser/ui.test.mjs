// The UI shell in a real browser: layout, language switch, the component gallery (sorting,
// search, pages, form errors, flash), the API reference and the HTML 404.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { BASE_URL, columnTexts, newPage, snap, startBrowser, visit } from "./support.mjs";

let chromium;
before(async () => {
  chromium = await startBrowser();
});
after(async () => {
  await chromium?.close();
});

/** Every test: no script errors, nothing fetched from the internet. */
async function withPage(options, body) {
  const page = await newPage(chromium.browser, options);
  try {
    await body(page);
    assert.deepEqual(page.errors, [], "no script errors");
    assert.deepEqual(page.outside, [], "nothing loaded from outside the server");
  } finally {
    await page.context().close();
  }
}

const h1 = (page) => page.locator("h1").first().textContent();

describe("layout", () => {
  test("the platform's root leads to the staff sign-in, in Russian with the layout", () =>
    withPage({}, async (page) => {
      const response = await visit(page, "/", "home-ru");
      assert.equal(response.status(), 200);
      assert.equal(new URL(page.url()).pathname, "/central/login");
      assert.equal(await page.getAttribute("html", "lang"), "ru");
      assert.equal(await h1(page), "Вход для сотрудников платформы");
      assert.equal(await page.locator("main#content").count(), 1);
      assert.equal(await page.locator("header").count(), 1);
      assert.equal(await page.locator("footer").count(), 1);
      assert.equal(await page.locator('a[href="/api/v1/docs"]').first().textContent(), "Справочник API");
      await visit(page, "/ui/components", "gallery-nav");
      const current = page.locator('nav a[aria-current="page"]');
      assert.equal(await current.count(), 1);
      assert.equal(await current.getAttribute("href"), "/ui/components");
      // The stylesheet applied: Tabler's navbar is a flex container.
      assert.equal(await page.locator("header.navbar").evaluate((el) => getComputedStyle(el).display), "flex");

      // The first Tab lands on the skip link, which becomes visible.
      await page.keyboard.press("Tab");
      const focused = await page.evaluate(() => document.activeElement.className);
      assert.equal(focused, "skip-link");
      const box = await page.locator(".skip-link").boundingBox();
      assert.ok(box && box.y >= 0, "the focused skip link is on screen");
      await snap(page, "home-skip-link");
    }));

  test("the language switch goes to English and back, on the same page", () =>
    withPage({}, async (page) => {
      await visit(page, "/ui/components?sort=city&dir=desc", "switch-start");
      await page.getByRole("link", { name: "English" }).click();
      await page.waitForLoadState("load");
      await snap(page, "switch-en");
      assert.equal(await page.getAttribute("html", "lang"), "en");
      assert.equal(await h1(page), "Component gallery");
      assert.equal(new URL(page.url()).pathname + new URL(page.url()).search, "/ui/components?sort=city&dir=desc");

      await visit(page, "/", "home-en");
      assert.equal(await h1(page), "Platform staff sign-in");
      await page.getByRole("link", { name: "Русский" }).click();
      await page.waitForLoadState("load");
      await snap(page, "home-ru-again");
      assert.equal(await page.getAttribute("html", "lang"), "ru");
      assert.equal(await h1(page), "Вход для сотрудников платформы");
    }));

  test("on a phone the navigation collapses behind the menu button", () =>
    withPage({ viewport: { width: 375, height: 740 } }, async (page) => {
      await visit(page, "/ui/components", "phone-collapsed");
      const toggler = page.getByRole("button", { name: "Показать или скрыть меню" });
      assert.ok(await toggler.isVisible());
      assert.equal(await toggler.getAttribute("aria-expanded"), "false");
      const galleryLink = page.locator("#navbar-menu a", { hasText: "Галерея компонентов" });
      assert.ok(!(await galleryLink.isVisible()), "hidden until the menu opens");
      await toggler.click();
      await page.locator("#navbar-menu.show").waitFor(); // Bootstrap's collapse finished
      assert.ok(await galleryLink.isVisible());
      assert.equal(await toggler.getAttribute("aria-expanded"), "true");
      await snap(page, "phone-menu-open");
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 375, `no sideways scrolling of the page (${width}px)`);
    }));

  test("an English-speaking browser gets English until it switches", () =>
    withPage({ locale: "en-US" }, async (page) => {
      await visit(page, "/", "home-accept-language-en");
      assert.equal(await page.getAttribute("html", "lang"), "en");
    }));
});

describe("component gallery", () => {
  test("sorting by a column toggles the direction", () =>
    withPage({}, async (page) => {
      await visit(page, "/ui/components", "gallery");
      const nameHeader = page.locator("th", { hasText: "ФИО" });
      assert.equal(await nameHeader.getAttribute("aria-sort"), "ascending");

      await page.locator("th a", { hasText: "Город" }).click();
      await page.waitForLoadState("load");
      await snap(page, "gallery-sort-city-asc");
      assert.match(page.url(), /sort=city&dir=asc/);
      assert.equal(await page.locator("th", { hasText: "Город" }).getAttribute("aria-sort"), "ascending");
      assert.equal(await page.locator("th", { hasText: "ФИО" }).getAttribute("aria-sort"), null);
      const ascending = await columnTexts(page, 2);
      assert.deepEqual(ascending, [...ascending].sort());

      await page.locator("th a", { hasText: "Город" }).click();
      await page.waitForLoadState("load");
      await snap(page, "gallery-sort-city-desc");
      assert.equal(await page.locator("th", { hasText: "Город" }).getAttribute("aria-sort"), "descending");
      const descending = await columnTexts(page, 2);
      assert.deepEqual(descending, [...descending].sort().reverse());
    }));

  test("the search filters rows, keeps its text, and shows the empty state", () =>
    withPage({}, async (page) => {
      await visit(page, "/ui/components", "gallery-before-search");
      await page.getByLabel("Имя или город").fill("Томск");
      await page.getByRole("button", { name: "Найти" }).click();
      await page.waitForLoadState("load");
      await snap(page, "gallery-search-tomsk");
      const cities = await columnTexts(page, 2);
      assert.ok(cities.length > 0);
      assert.ok(cities.every((city) => city === "Томск"), cities.join(", "));
      assert.equal(await page.getByLabel("Имя или город").inputValue(), "Томск");

      await page.getByLabel("Имя или город").fill("Нет-такого");
      await page.getByRole("button", { name: "Найти" }).click();
      await page.waitForLoadState("load");
      await snap(page, "gallery-search-nothing");
      assert.equal(await page.locator(".data-table").count(), 0);
      assert.match(await page.locator("[data-empty-state]").first().textContent(), /Никого не нашлось/);

      await page.getByRole("link", { name: "Сбросить" }).click();
      await page.waitForLoadState("load");
      assert.equal((await columnTexts(page, 0)).length, 10);
    }));

  test("next page and back again", () =>
    withPage({}, async (page) => {
      await visit(page, "/ui/components", "gallery-page-1");
      const first = await columnTexts(page, 1);
      assert.equal(first.length, 10);
      assert.equal(await page.locator('.pager [aria-disabled="true"]', { hasText: "Назад" }).count(), 1);

      await page.locator('a[rel="next"]').click();
      await page.waitForLoadState("load");
      await snap(page, "gallery-page-2");
      assert.match(page.url(), /cursor=/);
      const second = await columnTexts(page, 1);
      assert.equal(second.length, 10);
      assert.equal(second.filter((account) => first.includes(account)).length, 0, "a new page of rows");

      await page.locator('a[rel="prev"]').click();
      await page.waitForLoadState("load");
      await snap(page, "gallery-page-1-again");
      assert.deepEqual(await columnTexts(page, 1), first);
    }));

  test("bad input is reported inline, with the summary focused", () =>
    withPage({}, async (page) => {
      await visit(page, "/ui/components", "gallery-form");
      await page.getByLabel("Электронная почта").fill("not-an-email");
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === "POST"),
        page.getByRole("button", { name: "Отправить заявку" }).click(),
      ]);
      await page.waitForLoadState("load");
      await snap(page, "gallery-form-errors");
      assert.equal(response.status(), 422);

      const focused = await page.evaluate(() => document.activeElement.hasAttribute("data-error-summary"));
      assert.ok(focused, "the error summary has the focus");
      const summaryLinks = await page.locator("[data-error-summary] a").allTextContents();
      assert.deepEqual(summaryLinks, ["Укажите имя", "Адрес электронной почты должен быть вида name@example.ru", "Выберите тариф"]);

      const email = page.locator("#f-email");
      assert.equal(await email.getAttribute("aria-invalid"), "true");
      assert.equal(await email.inputValue(), "not-an-email", "the value is kept");
      const describedBy = (await email.getAttribute("aria-describedby")).split(" ");
      const errorText = await page.locator(`#${describedBy[0]}`).textContent();
      assert.match(errorText, /name@example\.ru/);

      await page.locator("[data-error-summary] a", { hasText: "Укажите имя" }).click();
      assert.equal(await page.evaluate(() => document.activeElement.id), "f-name");
      await snap(page, "gallery-form-focus-name");
    }));

  test("good input redirects and shows the flash once", () =>
    withPage({}, async (page) => {
      await visit(page, "/ui/components", "gallery-form-good");
      await page.getByRole("textbox", { name: "Имя", exact: true }).fill("Иван <Петров>");
      await page.getByLabel("Электронная почта").fill("ivan@example.ru");
      await page.getByLabel("Тариф").selectOption("standard");
      await page.getByRole("button", { name: "Отправить заявку" }).click();
      await page.waitForLoadState("load");
      await snap(page, "gallery-form-flash");
      assert.equal(new URL(page.url()).pathname, "/ui/components");
      const flash = page.locator(".flash");
      assert.equal(await flash.count(), 1);
      assert.match(await flash.textContent(), /Заявка от «Иван <Петров>» принята/);
      assert.equal(await page.getByRole("textbox", { name: "Имя", exact: true }).inputValue(), "", "a fresh form after the redirect");

      await page.reload({ waitUntil: "load" });
      await snap(page, "gallery-form-flash-gone");
      assert.equal(await page.locator(".flash").count(), 0, "shown once");
    }));
});

describe("other pages", () => {
  test("the API reference renders with Redoc", () =>
    withPage({}, async (page) => {
      const response = await page.goto(`${BASE_URL}/api/v1/docs`, { waitUntil: "load" });
      assert.equal(response.status(), 200);
      await page.locator("h1", { hasText: "CRM tenant API" }).waitFor({ timeout: 30_000 });
      await page.getByText("/api/v1/health").first().waitFor({ timeout: 30_000 });
      await snap(page, "api-reference");
    }));

  test("an unknown path shows the HTML 404 page", () =>
    withPage({}, async (page) => {
      const response = await visit(page, "/no/such/page", "not-found");
      assert.equal(response.status(), 404);
      assert.match(response.headers()["content-type"], /^text\/html/);
      assert.equal(await page.getAttribute("html", "lang"), "ru");
      assert.equal(await h1(page), "Страница не найдена");
      assert.equal(await page.locator("nav[aria-label]").count(), 0, "no navigation without a user");
      await page.getByRole("link", { name: "На главную" }).click();
      await page.waitForLoadState("load");
      assert.equal(await h1(page), "Вход для сотрудников платформы", "the platform's root asks staff to sign in");
    }));
});
