// The big-screen dashboard and GraphiQL in a real browser: headless Debian Chromium driven
// by playwright-core, against a Tongxin server on the demo data (scripts/browser-test.sh
// starts it and sets TONGXIN_URL). Fails on any request that leaves the server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const base = process.env.TONGXIN_URL;
const shots = process.env.TONGXIN_SCREENSHOTS || 'screenshots';
assert.ok(base, 'TONGXIN_URL is the server under test');
mkdirSync(shots, { recursive: true });

let browser;
let context;
const external = [];

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
      '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  // Anything not from the server is recorded and refused: the page must work offline.
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.origin === new URL(base).origin) return route.continue();
    external.push(url.href);
    return route.abort();
  });
});

after(async () => {
  await browser?.close();
});

async function signIn(page, phone) {
  await page.goto(`${base}/dashboard`);
  await page.locator('#signin').waitFor({ state: 'visible' });
  await page.fill('#phone', phone);
  await page.fill('#password', 'tongxin-demo');
  await page.click('#signin-button');
  await page.locator('#screen').waitFor({ state: 'visible' });
  await page.waitForSelector('body[data-ready="true"]');
}

/** Sets the range and waits for the figures of that range. */
async function show(page, from, to) {
  await page.fill('#from', from);
  await page.fill('#to', to);
  await page.evaluate(() => { document.body.dataset.ready = 'false'; });
  await page.click('#apply');
  await page.waitForSelector('body[data-ready="true"]');
}

const figure = (page, key) => page.locator(`#fig-${key}`).innerText();

/** The demo's care pairing in 2022 (README, "Care pairings"): four elders of 养老科 on the
 *  register from March, visited 3 of 4 in March … 1 of 4 in November; one GENERAL elder
 *  overdue today. Counts only: no elder's name anywhere on the page. */
async function checkCare(page) {
  assert.equal(await figure(page, 'careRecipientCount'), '4');
  assert.equal(await figure(page, 'careOverdueCount'), '1');
  const months = await chartData(page, 'chart-care-months');
  assert.deepEqual(months.names, Array.from({ length: 12 }, (_, i) => `2022-${String(i + 1).padStart(2, '0')}`));
  const visited = [0, 0, 3, 3, 2, 3, 2, 2, 3, 3, 1, 3];
  assert.deepEqual(months.values, visited.map((n, i) => (i < 2 ? null : (n / 4) * 100)));
  const tiers = await chartData(page, 'chart-care-tiers');
  assert.deepEqual(tiers.names, ['高风险', '重点', '一般']);
  assert.deepEqual(tiers.values, [0, 0, 1]);
  const rows = await page.locator('#care-departments tbody tr').allInnerTexts();
  assert.deepEqual(rows.map((r) => r.split('\t').map((c) => c.trim())), [['养老科', '4', '1']]);
  const text = await page.locator('body').innerText();
  for (const name of ['陈阿婆', '林大爷', '黄奶奶', '苏爷爷']) assert.ok(!text.includes(name), name);
}

/** The category axis and the first series of a chart, as ECharts holds them. */
const chartData = (page, id) => page.evaluate((id) => {
  const option = window.echarts.getInstanceByDom(document.getElementById(id)).getOption();
  return { names: option.yAxis?.[0]?.data ?? option.xAxis?.[0]?.data, values: option.series[0].data };
}, id);

test('the viewer sees the README figures, every department, and can pick one', async () => {
  const page = await context.newPage();
  await signIn(page, '13800000002');
  // This year by default.
  const year = String(new Date().getFullYear());
  assert.equal(await page.inputValue('#from'), `${year}-01-01`);
  assert.equal(await page.inputValue('#to'), `${year}-12-31`);

  await show(page, '2022-01-01', '2022-12-31');
  // The README's dashboard example (demo data, 2022).
  const expected = {
    activityCount: '17', completedActivityCount: '9', registrationCount: '127', volunteerCount: '20',
    activeVolunteerCount: '16', totalServiceHours: '201', responseCount: '13', satisfactionRate: '84.6%',
    openRectificationCount: '1', overdueRectificationCount: '1',
  };
  for (const [key, value] of Object.entries(expected)) assert.equal(await figure(page, key), value, key);
  const departments = await chartData(page, 'chart-departments');
  assert.equal(departments.names[0], '办公室');
  assert.equal(departments.values[0], 76.5);
  assert.equal(departments.names.length, 8, 'every department with hours, activities or co-led ones');
  const options = await page.locator('#department option').allInnerTexts();
  assert.equal(options[0], '全部科室');
  assert.ok(options.includes('养老科') && options.includes('机关党委'), options.join());
  assert.ok((await page.locator('#timeline li').count()) >= 16);
  await checkCare(page);
  await page.screenshot({ path: `${shots}/viewer-all-departments.png`, fullPage: true });

  await page.evaluate(() => { document.body.dataset.ready = 'false'; });
  await page.selectOption('#department', { label: '养老科' });
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await figure(page, 'activityCount'), '4');
  assert.equal(await figure(page, 'totalServiceHours'), '22.5');
  const own = await chartData(page, 'chart-departments');
  assert.deepEqual(own.names, ['养老科']);
  await checkCare(page);
  await page.screenshot({ path: `${shots}/viewer-yanglao.png`, fullPage: true });
  await page.click('#signout');
  await page.locator('#signin').waitFor({ state: 'visible' });
  await page.close();
});

test('an organizer sees their own department only', async () => {
  const page = await context.newPage();
  await signIn(page, '13800000001');
  assert.equal(await page.locator('#department').isVisible(), false);
  assert.equal(await page.locator('#department-fixed').innerText(), '养老科');
  await show(page, '2022-01-01', '2022-12-31');
  assert.equal(await figure(page, 'activityCount'), '4');
  assert.equal(await figure(page, 'totalServiceHours'), '22.5');
  assert.equal(await figure(page, 'responseCount'), '13');
  const leads = await page.locator('#timeline li .muted').allInnerTexts();
  assert.ok(leads.length > 0 && leads.every((names) => names.includes('养老科')), leads.join(' / '));
  await checkCare(page);
  await page.screenshot({ path: `${shots}/organizer-yanglao.png`, fullPage: true });
  await page.close();
});

test('a wrong password is answered in Chinese and shows no figures', async () => {
  const page = await context.newPage();
  await page.goto(`${base}/dashboard`);
  await page.fill('#phone', '13800000002');
  await page.fill('#password', 'wrong-password');
  await page.click('#signin-button');
  await page.locator('#signin-error').filter({ hasText: '手机号或密码不正确' }).waitFor();
  assert.equal(await page.locator('#screen').isVisible(), false);
  await page.close();
});

test('GraphiQL renders offline', async () => {
  const page = await context.newPage();
  await page.goto(`${base}/graphql`);
  await page.locator('.graphiql-container').waitFor({ state: 'visible' });
  await page.locator('.graphiql-editor').first().waitFor({ state: 'visible' });
  await page.screenshot({ path: `${shots}/graphiql.png` });
  await page.close();
});

test('nothing was requested outside the server', () => {
  assert.deepEqual(external, []);
});
