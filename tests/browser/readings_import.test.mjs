// The meter-readings import in a real browser on the demo tenant: the administrator uploads a
// CSV of readings with good rows and bad ones (an unknown serial, text for a number, a value
// below the previous one) and one far above the plausibility cap, maps it, dry-runs it, applies
// the valid rows, watches the progress card reach the end, reads each bad row with its reason
// in Russian and the flagged one as a warning, then opens the meter: its consumption chart and
// the imported readings in its history. The file travels through a direct upload link.
//
// The meter is registered through the API with the session, on a subscriber of its own: the
// demo meters have readings up to today, so a file of fixed dates could not add to them.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { TENANT_URL, newPage, snap, startBrowser } from "./support.mjs";

const ADMIN = { email: "admin@demo.example.ru", password: "demo-admin-2026" };
const SERIAL = `ИМП-${Date.now()}`;
const UNKNOWN = `НЕТ-${Date.now()}`;

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

async function submit(page, selector) {
  await Promise.all([page.waitForNavigation(), page.locator(selector).first().click()]);
}

/**
 * The demo meters are seeded in the background after start-up, after the demo subscribers: a
 * subscriber created before then could be given one of them. Wait until they are there.
 */
async function demoMeters(page) {
  for (let i = 0; i < 240; i++) {
    const list = await api(page, "GET", "/api/v1/meters?limit=200");
    assert.equal(list.status, 200, JSON.stringify(list.json));
    const demo = list.json.items.filter((m) => m.serial.startsWith("ДЕМО-ХВ-"));
    if (demo.length > 0) return demo;
    await page.waitForTimeout(500);
  }
  assert.fail("the demo meters did not appear within two minutes");
}

/** Waits on the job page until its progress card, polled by htmx, says the job has finished. */
async function finished(page, name) {
  const card = page.locator(".job-progress[data-job-state]").first();
  await card.waitFor();
  await page.locator('.job-progress[data-job-state="done"], .job-progress[data-job-state="failed"]').first().waitFor({ timeout: 60_000 });
  // The card's last poll reloads the page with the report's rows.
  await page.waitForLoadState("load");
  await snap(page, name);
  assert.equal(await card.getAttribute("data-job-state"), "done", await card.innerText());
}

/** The rows of a report table: [row, column, value, message] each. */
async function rows(page, table) {
  return page.$$eval(`[${table}] tbody tr`, (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent.trim())));
}

describe("readings import", () => {
  test("a file with bad rows is checked, applied, reported, and the meter shows its readings", async () => {
    const page = await newPage(chromium.browser);
    try {
      await page.goto(`${TENANT_URL}/login`, { waitUntil: "load" });
      await page.getByLabel("Электронная почта").fill(ADMIN.email);
      await page.getByLabel("Пароль").fill(ADMIN.password);
      await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Войти" }).click()]);
      await demoMeters(page);

      const created = await api(page, "POST", "/api/v1/subscribers", {
        surname: "Импортов",
        name: "Олег",
        address: { city: "Тверь", street: "Мира", house: "9", flat: "3" },
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
      const meter = await api(page, "POST", "/api/v1/meters", {
        subscriber_id: subscriber,
        service_id: water.id,
        serial: SERIAL,
        kind: "cold_water",
        installed_on: "2026-01-10",
        initial: ["100"],
        digits: "5",
        multiplier: "1",
        verification_due: "2032-01-10",
      });
      assert.equal(meter.status, 201, JSON.stringify(meter.json));

      // Rows 2 and 3 are good; 4 names no meter; 5 is not a number; 6 is below row 3's 120;
      // 7 is stored but far above the cap of cold water (40 m³ a month).
      const csv =
        "Заводской номер;Дата;Показание\n" +
        `${SERIAL};20.02.2026;112,5\n` +
        `${SERIAL};20.03.2026;120\n` +
        `${UNKNOWN};20.03.2026;5\n` +
        `${SERIAL};20.04.2026;много\n` +
        `${SERIAL};20.04.2026;110\n` +
        `${SERIAL};20.05.2026;900\n`;
      await page.goto(`${TENANT_URL}/imports/readings`, { waitUntil: "load" });
      await snap(page, "readings-upload");
      // An empty file is refused before anything travels, by the file field, on the same page.
      await page.locator("input[type=file][name=file]").setInputFiles({
        name: "pusto.csv",
        mimeType: "text/csv",
        buffer: Buffer.alloc(0),
      });
      await page.locator("[data-import-upload] [type=submit]").click();
      await page.locator("[data-import-upload] [data-field-error]").waitFor();
      assert.match(await page.locator("[data-import-upload] [data-field-error]").textContent(), /Выберите файл/);
      assert.ok(page.url().endsWith("/imports/readings"), page.url());
      await page.locator("input[type=file][name=file]").setInputFiles({
        name: "pokazaniya.csv",
        mimeType: "text/csv",
        buffer: Buffer.from(csv, "utf8"),
      });
      // The file goes straight to the file store through its signed link (S3 on AWS, whose
      // API takes no request over 10 MB), not inside the form post.
      const put = page.waitForRequest((r) => r.method() === "PUT" && r.url().includes("/_blobs/incoming/"));
      await submit(page, "[data-import-upload] [type=submit]");
      assert.equal((await (await put).response()).status(), 200);
      await snap(page, "readings-mapping");
      // The columns are matched to the fields by their headers.
      const mapped = await page.$$eval("[data-import-columns] select", (all) => all.map((s) => s.value));
      assert.deepEqual(mapped, ["serial", "date", "value"]);

      // The dry run: nothing written, the same reasons and flags as the apply.
      await page.locator("[name=mode][value=dry_run]").check();
      await submit(page, "[data-import-mapping] [type=submit]");
      await finished(page, "readings-dry-run");
      assert.match(await page.locator(".job-progress").innerText(), /Ничего не записано/);
      assert.equal((await rows(page, "data-import-errors")).length, 3);
      assert.equal((await rows(page, "data-import-warnings")).length > 0, true);

      // Apply the valid rows from the dry run's page.
      await submit(page, "[data-import-apply] [value=valid_rows]");
      await finished(page, "readings-applied");
      const card = await page.locator(".job-progress").innerText();
      assert.match(card, /Создано\s+3/, card);
      assert.match(card, /С ошибками\s+3/, card);
      assert.match(card, /Принято с отметками\s+1/, card);
      assert.ok(await page.locator(".job-progress a[download]").count(), "the report can be downloaded");

      // Each bad row with its column and its reason in Russian.
      const errors = await rows(page, "data-import-errors");
      const reason = (row) => errors.find((cells) => cells[0] === row);
      assert.deepEqual(reason("4")?.slice(0, 2), ["4", "Заводской номер"], JSON.stringify(errors));
      assert.equal(reason("4")[3], "Счётчика с таким заводским номером нет");
      assert.equal(reason("5")[1], "Показание");
      assert.match(reason("5")[3], /Введите число/);
      assert.equal(reason("6")[1], "Показание");
      assert.match(reason("6")[3], /меньше предыдущего показания 120/);
      // The flagged row is a warning, apart from the errors.
      const warnings = await rows(page, "data-import-warnings");
      const flagged = warnings.find((cells) => cells[0] === "7");
      assert.ok(flagged, JSON.stringify(warnings));
      assert.equal(flagged[1], "Показание");
      assert.match(flagged[3], /выше предела 40/);
      assert.ok(!errors.some((cells) => cells[0] === "7"), "a flagged row is not an error");

      // The meter: the chart of consumption by month and the imported readings.
      await page.goto(`${TENANT_URL}/meters/${meter.json.id}`, { waitUntil: "load" });
      const chart = page.locator('[data-meter-chart] svg[data-chart="consumption"]');
      await chart.waitFor();
      assert.ok((await chart.locator("rect").count()) >= 12);
      const history = await page.locator("[data-meter-readings]").innerText();
      assert.match(history, /20\.02\.2026/);
      assert.match(history, /112,5/);
      assert.match(history, /20\.03\.2026/);
      assert.match(history, /900/);
      await snap(page, "readings-meter-card");
      assert.deepEqual(page.errors, [], "no script errors");
      assert.deepEqual(page.outside, [], "nothing loaded from outside the server");
    } finally {
      await page.context().close();
    }
  });
});
