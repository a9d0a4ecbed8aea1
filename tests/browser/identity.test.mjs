// The tenant's people in a real browser on the demo tenant's own site (demo.localhost): the
// administrator signs in, invites a colleague, the colleague accepts from the outbox and signs
// in; a setting is changed and shows in the audit log; everyone signs out. `crm dev` seeds the
// demo tenant and its administrator.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { PLATFORM_URL, TENANT_URL, newPage, snap, startBrowser } from "./support.mjs";

const ADMIN = { email: "admin@demo.example.ru", password: "demo-admin-2026" };
const STAFF = { email: "superadmin@crm.example.ru", password: "platform-admin-2026" };
// A fresh address per run, so the test also passes against a long-running dev server.
const COLLEAGUE = `operator-${Date.now()}@demo.example.ru`;

let chromium;
before(async () => {
  chromium = await startBrowser();
});
after(async () => {
  await chromium?.close();
});

async function withPage(body) {
  const page = await newPage(chromium.browser);
  try {
    await body(page);
    assert.deepEqual(page.errors, [], "no script errors");
    assert.deepEqual(page.outside, [], "nothing loaded from outside the server");
  } finally {
    await page.context().close();
  }
}

async function go(page, url, name) {
  const response = await page.goto(url, { waitUntil: "load" });
  await snap(page, name);
  return response;
}

async function signIn(page, base, who, name) {
  await go(page, `${base}/login`, `${name}-sign-in`);
  await page.getByLabel("Электронная почта").fill(who.email);
  await page.getByLabel("Пароль").fill(who.password);
  await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Войти" }).click()]);
  await snap(page, `${name}-signed-in`);
}

async function signOut(page, name) {
  await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Выйти" }).click()]);
  await snap(page, `${name}-signed-out`);
}

describe("people of a tenant", () => {
  test("an administrator invites a colleague who accepts from the outbox and signs in", () =>
    withPage(async (page) => {
      await signIn(page, TENANT_URL, ADMIN, "admin");
      assert.equal(new URL(page.url()).host, new URL(TENANT_URL).host, "stays on the tenant's site");
      await page.getByRole("link", { name: "Пользователи" }).first().click();
      await page.waitForLoadState("load");
      await snap(page, "users");

      await go(page, `${TENANT_URL}/users/invitations`, "invitations");
      await page.getByLabel("Электронная почта").fill(COLLEAGUE);
      await page.getByLabel("Роль").selectOption("operator");
      await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Отправить приглашение" }).click()]);
      await snap(page, "invitation-sent");
      assert.match(await page.locator("body").textContent(), new RegExp(COLLEAGUE.replace(/[.]/g, "\\.")));

      await go(page, `${TENANT_URL}/outbox`, "outbox");
      const link = await page.locator("[data-newest-link]").getAttribute("href");
      assert.match(link, /\/invite\//, "the newest mail is the invitation");
      await signOut(page, "admin");

      await go(page, link, "invitation-accept");
      await page.getByLabel("Имя и фамилия").fill("Ольга Фёдорова");
      await page.getByLabel("Новый пароль").fill("operator-password-2026");
      await page.getByLabel("Повторите пароль").fill("operator-password-2026");
      await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Создать учётную запись" }).click()]);
      await snap(page, "invitation-accepted");
      // Accepting signs the colleague in; signing out and in again proves the password.
      assert.match(await page.locator("body").textContent(), /Ольга Фёдорова/);
      await signOut(page, "colleague-first");
      await signIn(page, TENANT_URL, { email: COLLEAGUE, password: "operator-password-2026" }, "colleague");
      assert.match(await page.locator("body").textContent(), /Ольга Фёдорова/);
      // An operator has no access to the people pages.
      const forbidden = await go(page, `${TENANT_URL}/users`, "colleague-users-forbidden");
      assert.equal(forbidden.status(), 403);
      await go(page, `${TENANT_URL}/`, "colleague-dashboard");
      await signOut(page, "colleague");
      const after = await go(page, `${TENANT_URL}/users`, "signed-out-users");
      assert.match(new URL(page.url()).pathname, /^\/login/, "signed out: sent to sign in");
      assert.equal(after.status(), 200);
    }));

  test("a changed setting shows in the audit log", () =>
    withPage(async (page) => {
      await signIn(page, TENANT_URL, ADMIN, "settings-admin");
      await go(page, `${TENANT_URL}/settings`, "settings");
      const field = page.getByLabel("Оплатить до", { exact: false });
      // A value other than the saved one, so the save is a change the log records.
      const day = (await field.inputValue()) === "15" ? "16" : "15";
      await field.fill(day);
      const payments = page.locator("form[action='/settings/payments']");
      await Promise.all([page.waitForNavigation(), payments.getByRole("button", { name: "Сохранить" }).click()]);
      await snap(page, "settings-saved");
      assert.equal(await page.getByLabel("Оплатить до", { exact: false }).inputValue(), day);

      await page.getByRole("link", { name: "Журнал" }).first().click();
      await page.waitForLoadState("load");
      await snap(page, "audit-log");
      const first = page.locator(".audit-table > tbody > tr").first();
      assert.match(await first.textContent(), /Администратор ТСЖ/);
      assert.match(await first.textContent(), /settings|Настройки|настро/i);
      // The change's own row: field, old value, new value (cells, not the row's joined text,
      // where "10" and "15" would run together as "1015").
      const cells = await first.locator("details.audit-changes tbody tr").first().locator("td").allTextContents();
      assert.equal(cells[0].trim(), "due_day");
      assert.equal(cells[2].trim(), day);
      await signOut(page, "settings-admin");
    }));
});

describe("platform staff", () => {
  test("the superadmin signs in on the platform's site and sees the tenants", () =>
    withPage(async (page) => {
      await signIn(page, `${PLATFORM_URL}/central`, STAFF, "staff");
      await page.getByRole("link", { name: "Организации" }).first().click();
      await page.waitForLoadState("load");
      await snap(page, "tenants");
      assert.match(await page.locator("main").textContent(), /ТСЖ «Демо»/);
      await signOut(page, "staff");
    }));
});
