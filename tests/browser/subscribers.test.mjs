// Subscribers in a real browser on the demo tenant: the administrator creates a subscriber
// whose surname has ё, attaches a service, finds the subscriber by a part of the surname typed
// with е, imports a file with some bad rows and reads the errors with their row numbers, and
// sees the imported change on the subscriber's timeline.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { TENANT_URL, newPage, snap, startBrowser } from "./support.mjs";

const ADMIN = { email: "admin@demo.example.ru", password: "demo-admin-2026" };
// A fresh account number per run, so the test also passes against a long-running dev server.
const ACCOUNT = `ALE-${Date.now()}`;

let chromium;
before(async () => {
  chromium = await startBrowser();
});
after(async () => {
  await chromium?.close();
});

async function submit(page, form) {
  await Promise.all([page.waitForNavigation(), page.locator(`${form} [type=submit]`).first().click()]);
}

describe("subscribers", () => {
  test("create, attach a service, find by е for ё, import with bad rows, see the timeline", async () => {
    const page = await newPage(chromium.browser);
    try {
      await page.goto(`${TENANT_URL}/login`, { waitUntil: "load" });
      await page.getByLabel("Электронная почта").fill(ADMIN.email);
      await page.getByLabel("Пароль").fill(ADMIN.password);
      await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Войти" }).click()]);

      // A subscriber with ё in the surname.
      await page.goto(`${TENANT_URL}/subscribers/new`, { waitUntil: "load" });
      await page.locator("[name=account_number]").fill(ACCOUNT);
      await page.locator("[name=surname]").fill("Алёшина");
      await page.locator("[name=name]").fill("Мария");
      await page.locator("[name=city]").fill("Тверь");
      await page.locator("[name=street]").fill("Мира");
      await page.locator("[name=house]").fill("7");
      await page.locator("[name=flat]").fill("12");
      await snap(page, "subscriber-new");
      await submit(page, "form:has([name=surname])");
      await snap(page, "subscriber-created");
      const card = new URL(page.url()).pathname;
      assert.match(card, /^\/subscribers\/[A-Za-z0-9_-]+$/, `the card opens, not ${card}`);

      // A service attached from the card's services page.
      await page.goto(`${TENANT_URL}${card}/services`, { waitUntil: "load" });
      const options = await page.locator("[name=service_id] option").evaluateAll((all) =>
        all.map((o) => o.value).filter((v) => v),
      );
      assert.ok(options.length > 0, "the demo catalogue has services");
      await page.locator("[name=service_id]").selectOption(options[0]);
      await page.locator("[name=valid_from]").fill("2026-01-01");
      await submit(page, "form:has([name=service_id])");
      await snap(page, "service-attached");
      assert.equal(await page.locator("table tbody tr").count() > 0, true, "the link is listed");

      // Found by "алеш": е stands for ё.
      await page.goto(`${TENANT_URL}/subscribers?q=${encodeURIComponent("алеш")}`, { waitUntil: "load" });
      await snap(page, "search-alesh");
      assert.match(await page.locator("main").textContent(), new RegExp(ACCOUNT));

      // An import with two bad rows; the valid row renames the subscriber.
      const csv =
        "Лицевой счёт;Фамилия;Имя;Город;Улица;Дом;Квартира;Площадь\n" +
        `${ACCOUNT};Алёшина;Марина;Тверь;Мира;7;12;54,3\n` +
        `${ACCOUNT}-B;Петров;Иван;Тверь;Мира;7;13;минус\n` +
        `${ACCOUNT};Двойник;Иван;Тверь;Мира;7;14;\n`;
      await page.goto(`${TENANT_URL}/imports/subscribers`, { waitUntil: "load" });
      await snap(page, "import-upload");
      await page.locator("input[type=file][name=file]").setInputFiles({
        name: "abonenty.csv",
        mimeType: "text/csv",
        buffer: Buffer.from(csv, "utf8"),
      });
      await submit(page, "[data-import-upload]");
      await snap(page, "import-mapping");
      assert.match(await page.locator("[data-import-columns]").textContent(), /Площадь/);
      await page.locator("[name=mode][value=valid_rows]").check();
      await submit(page, "[data-import-mapping]");
      const job = page.url();
      for (let i = 0; i < 60; i++) {
        const state = await page.locator("[data-job-state]").first().getAttribute("data-job-state");
        if (state === "done" || state === "failed") break;
        await page.waitForTimeout(500);
        await page.goto(job, { waitUntil: "load" });
      }
      await snap(page, "import-report");
      assert.equal(await page.locator("[data-job-state]").first().getAttribute("data-job-state"), "done");
      const errors = await page.locator("[data-import-errors] tbody tr").allTextContents();
      assert.ok(errors.some((row) => /^\s*3\s*Площадь/.test(row)), `row 3's area is named: ${errors}`);
      assert.ok(errors.some((row) => /^\s*4\s*Лицевой счёт/.test(row)), `row 4's duplicate is named: ${errors}`);
      assert.ok(await page.locator("a[download]").count(), "the report can be downloaded");

      // The change is on the subscriber's timeline.
      await page.goto(`${TENANT_URL}${card}`, { waitUntil: "load" });
      await snap(page, "subscriber-timeline");
      const history = await page.locator("section[aria-labelledby=card-history]").textContent();
      assert.match(history, /Марина/, "the imported name is on the timeline");
      assert.deepEqual(page.errors, [], "no script errors");
    } finally {
      await page.context().close();
    }
  });
});
