// Meters in a real browser on the demo tenant: the administrator gives a subscriber a meter
// from the subscriber's card, enters a reading, sees a bad one refused with its reason (at
// once while typing, and on submit), and opens the meter card with its consumption chart.
// The subscriber and its water service link are set up through the API with the session.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { TENANT_URL, newPage, snap, startBrowser } from "./support.mjs";

const ADMIN = { email: "admin@demo.example.ru", password: "demo-admin-2026" };
const SERIAL = `ХВ-${Date.now()}`;

let chromium;
before(async () => {
  chromium = await startBrowser();
});
after(async () => {
  await chromium?.close();
});

/** A JSON API call from the page, with its session cookie and CSRF token. */
async function api(page, method, path, body) {
  return page.evaluate(
    async ([method, path, body]) => {
      const csrf = document.querySelector('meta[name="csrf-token"]').content;
      const response = await fetch(path, {
        method,
        headers: { "content-type": "application/json", "x-csrf-token": csrf, accept: "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, json: await response.json().catch(() => null) };
    },
    [method, path, body],
  );
}

describe("meters", () => {
  test("a meter is registered, a reading entered, a bad one refused, the chart shown", async () => {
    const page = await newPage(chromium.browser);
    try {
      await page.goto(`${TENANT_URL}/login`, { waitUntil: "load" });
      await page.getByLabel("Электронная почта").fill(ADMIN.email);
      await page.getByLabel("Пароль").fill(ADMIN.password);
      await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Войти" }).click()]);

      const created = await api(page, "POST", "/api/v1/subscribers", {
        surname: "Счётчиков",
        name: "Пётр",
        address: { city: "Тверь", street: "Мира", house: "7", flat: "12" },
        opened_on: "2025-01-01",
      });
      assert.equal(created.status, 201, JSON.stringify(created.json));
      const subscriber = created.json.id;
      const services = await api(page, "GET", "/api/v1/services?limit=100");
      const water = services.json.items.find((s) => s.code === "ХВС");
      assert.ok(water, JSON.stringify(services.json));
      const linked = await api(page, "POST", `/api/v1/subscribers/${subscriber}/services`, {
        service_id: water.id,
        valid_from: "2025-01-01",
      });
      assert.equal(linked.status, 201, JSON.stringify(linked.json));

      // The navigation has the meters section; the subscriber card offers to add one.
      assert.ok(await page.getByRole("link", { name: "Счётчики" }).first().isVisible());
      await page.goto(`${TENANT_URL}/subscribers/${subscriber}`, { waitUntil: "load" });
      await snap(page, "meters-subscriber-empty");
      await Promise.all([
        page.waitForNavigation(),
        page.locator("[data-meters] a", { hasText: "Добавить счётчик" }).click(),
      ]);
      await page.selectOption("#f-service_id", water.id);
      await page.fill("#f-serial", SERIAL);
      await page.selectOption("#f-kind", "cold_water");
      await page.fill("#f-installed_on", "2026-01-10");
      await page.fill("#f-initial_0", "100");
      await page.fill("#f-verification_due", "2032-01-10");
      await snap(page, "meters-new");
      await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Сохранить" }).click()]);
      await snap(page, "meters-card-new");
      assert.match(await page.locator("h1").innerText(), new RegExp(SERIAL));

      // A good reading: the feedback says it will be accepted, then it is saved.
      const form = page.locator("[data-reading-form]");
      await form.locator("#f-date").fill("2026-02-20");
      await form.locator("#f-value_0").fill("112,5");
      await page.locator('[data-feedback="success"]').waitFor();
      await Promise.all([page.waitForNavigation(), form.getByRole("button", { name: "Сохранить показание" }).click()]);
      await snap(page, "meters-reading-saved");
      assert.match(await page.locator("[data-meter-readings]").innerText(), /112,5/);

      // A smaller value is refused with its reason while typing and on submit.
      await form.locator("#f-date").fill("2026-03-20");
      await form.locator("#f-value_0").fill("110");
      const feedback = page.locator('[data-feedback="danger"]');
      await feedback.waitFor();
      assert.match(await feedback.innerText(), /меньше предыдущего показания 112,5/);
      await snap(page, "meters-reading-feedback");
      await form.getByRole("button", { name: "Сохранить показание" }).click();
      await page.waitForLoadState("load");
      await snap(page, "meters-reading-refused");
      assert.match(await page.locator("body").innerText(), /меньше предыдущего показания 112,5/);

      // The card shows the chart of consumption by month as an SVG with a bar per month.
      await form.locator("#f-value_0").fill("120");
      await Promise.all([page.waitForNavigation(), form.getByRole("button", { name: "Сохранить показание" }).click()]);
      const chart = page.locator('[data-meter-chart] svg[data-chart="consumption"]');
      await chart.waitFor();
      assert.ok((await chart.locator("rect").count()) >= 12);
      await snap(page, "meters-card-chart");

      // The list finds it; the subscriber card shows it with its last reading.
      await page.goto(`${TENANT_URL}/meters?kind=cold_water`, { waitUntil: "load" });
      assert.ok(await page.getByRole("link", { name: SERIAL }).isVisible());
      await page.goto(`${TENANT_URL}/subscribers/${subscriber}`, { waitUntil: "load" });
      assert.match(await page.locator("[data-meters]").innerText(), /20\.03\.2026: 120/);
      await snap(page, "meters-subscriber-card");
      assert.deepEqual(page.errors, [], "no script errors");
      assert.deepEqual(page.outside, [], "nothing loaded from outside the server");
    } finally {
      await page.context().close();
    }
  });
});
