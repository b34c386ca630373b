// The big-screen dashboard (大屏). It talks only to /graphql, with the contract's
// operations (served by Tongxin at /dashboard/operations.graphql, the same files the
// server's contract tests run), and draws with the vendored ECharts. No build step.

const REFRESH_MS = 30_000;
const STATUS = { DRAFT: '草稿', PUBLISHED: '已发布', COMPLETED: '已完成', CANCELLED: '已取消' };
const TIER = { HIGH: '高风险', KEY: '重点', GENERAL: '一般' };
const STORE = window.sessionStorage;

let documentText = null;
let session = null; // { accessToken, refreshToken, user }
let me = null;
let timer = null;
const charts = {};

const $ = (id) => document.getElementById(id);

// ---------- operations ----------

/** The definitions of a document, by name: each starts at a line beginning with
 *  `query`, `mutation` or `fragment` (the rule of the contract's files). */
function definitions(text) {
  const defs = new Map();
  let current = null;
  for (const line of text.split('\n')) {
    const match = /^(query|mutation|fragment)\s+([A-Za-z_][A-Za-z0-9_]*)/.exec(line);
    if (match) {
      current = { name: match[2], text: '' };
      defs.set(current.name, current);
    }
    if (current && !line.startsWith('#')) current.text += line + '\n';
  }
  return defs;
}

/** One operation as an app sends it: its text and the fragments it spreads. */
function operation(name) {
  const defs = definitions(documentText);
  const wanted = [name];
  const seen = new Set();
  let text = '';
  while (wanted.length) {
    const next = wanted.pop();
    if (seen.has(next)) continue;
    seen.add(next);
    const def = defs.get(next);
    if (!def) throw new Error(`unknown operation ${next}`);
    text += def.text;
    for (const spread of def.text.matchAll(/\.\.\.\s*([A-Za-z_][A-Za-z0-9_]*)/g)) wanted.push(spread[1]);
  }
  return text;
}

class GraphQLError extends Error {
  constructor(error) {
    super(error.message);
    this.code = error.extensions?.code;
  }
}

async function send(name, variables = {}, token = session?.accessToken) {
  const headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch('/graphql', {
    method: 'POST',
    headers,
    body: JSON.stringify({ query: operation(name), operationName: name, variables }),
  });
  const body = await response.json();
  if (body.errors?.length) throw new GraphQLError(body.errors[0]);
  return body.data;
}

/** Runs an operation signed in; an expired access token is refreshed once. */
async function query(name, variables) {
  try {
    return await send(name, variables);
  } catch (error) {
    if (error.code !== 'UNAUTHENTICATED' || !session?.refreshToken) throw error;
    const data = await send('RefreshSession', { refreshToken: session.refreshToken }, null);
    keep(data.refreshSession);
    return send(name, variables);
  }
}

// ---------- session ----------

function keep(next) {
  session = next;
  STORE.setItem('tongxin.session', JSON.stringify(next));
}

function forget() {
  session = null;
  me = null;
  STORE.removeItem('tongxin.session');
  clearInterval(timer);
}

function showSignIn(message = '') {
  $('screen').hidden = true;
  $('signin').hidden = false;
  $('signin-error').textContent = message;
  $('phone').focus();
}

async function signIn(event) {
  event.preventDefault();
  $('signin-error').textContent = '';
  $('signin-button').disabled = true;
  try {
    const data = await send('Login', { phone: $('phone').value.trim(), password: $('password').value }, null);
    keep(data.login);
    $('password').value = '';
    await start();
  } catch (error) {
    $('signin-error').textContent = error.code === 'RATE_LIMITED'
      ? '尝试次数过多，请稍后再试'
      : error.code === 'UNAUTHENTICATED' ? '手机号或密码不正确' : `登录失败：${error.message}`;
  } finally {
    $('signin-button').disabled = false;
  }
}

async function signOut() {
  const refreshToken = session?.refreshToken;
  forget();
  if (refreshToken) send('Logout', { refreshToken }, null).catch(() => {});
  showSignIn();
}

// ---------- the screen ----------

const readsEverything = (user) => user.roles.includes('VIEWER') || user.roles.includes('ADMIN');

async function start() {
  const data = await query('Me');
  me = data.me;
  if (!me) throw new GraphQLError({ message: '请重新登录', extensions: { code: 'UNAUTHENTICATED' } });
  const everything = readsEverything(me);
  if (!everything && !(me.roles.includes('ORGANIZER') && me.department)) {
    forget();
    showSignIn('该账号没有数据大屏的权限（文明办、管理员或科室组织者可用）');
    return;
  }
  $('who').textContent = `${me.displayName}${me.department ? ` · ${me.department.name}` : ''}`;
  const select = $('department');
  select.replaceChildren();
  if (everything) {
    select.hidden = false;
    $('department-fixed').hidden = true;
    select.append(new Option('全部科室', ''));
    const { departments } = await query('DashboardDepartments');
    for (const department of departments) select.append(new Option(department.name, department.id));
  } else {
    select.hidden = true;
    $('department-fixed').hidden = false;
    $('department-fixed').textContent = me.department.name;
  }
  $('signin').hidden = true;
  $('screen').hidden = false;
  await refresh();
  clearInterval(timer);
  timer = setInterval(() => refresh().catch(() => {}), REFRESH_MS);
}

function scope() {
  const range = {};
  if ($('from').value) range.from = $('from').value;
  if ($('to').value) range.to = $('to').value;
  const departmentId = readsEverything(me) ? $('department').value || null : me.department.id;
  return { range, departmentId };
}

const number = (n) => (n ?? 0).toLocaleString('zh-CN');
const percent = (rate) => (rate == null ? '—' : `${(rate * 100).toFixed(1)}%`);
const hours = (h) => (h ?? 0).toLocaleString('zh-CN', { maximumFractionDigits: 1 });

function chart(id) {
  if (!charts[id]) charts[id] = window.echarts.init($(id), 'dark', { renderer: 'canvas' });
  return charts[id];
}

async function refresh() {
  const { range, departmentId } = scope();
  if (range.from && range.to && range.from > range.to) {
    $('screen-error').textContent = '开始日期不能晚于结束日期';
    return;
  }
  $('screen-error').textContent = '';
  const filter = {};
  if (range.from) filter.from = `${range.from}T00:00:00+08:00`;
  if (range.to) filter.to = `${range.to}T23:59:59+08:00`;
  if (departmentId) filter.departmentId = departmentId;
  try {
    const [overview, hoursData, satisfaction, pairings, feedback, timeline, care] = await Promise.all([
      query('DashboardOverview', { range, departmentId }),
      query('DashboardHours', { range, departmentId }),
      query('DashboardSatisfaction', { range, departmentId }),
      query('DashboardPairings', { range }),
      query('DashboardFeedback', { range, departmentId }),
      query('DashboardTimeline', { filter, first: 100 }),
      query('DashboardCare', { range, departmentId }),
    ]);
    drawOverview(overview.dashboard.overview);
    drawHours(hoursData.dashboard);
    drawSatisfaction(satisfaction.dashboard.satisfactionByDepartment);
    drawRectifications(overview.dashboard.overview, feedback.dashboard.feedbackHandling.overall);
    drawPairings(pairings.dashboard.pairingProgress, departmentId);
    drawTopVolunteers(hoursData.dashboard.topVolunteers);
    drawTimeline(timeline.activities);
    drawCare(care.dashboard.care);
    $('updated').textContent = `更新于 ${new Date().toLocaleTimeString('zh-CN', { hour12: false })}`;
    document.body.dataset.ready = 'true';
  } catch (error) {
    if (error.code === 'UNAUTHENTICATED') {
      forget();
      showSignIn('登录已过期，请重新登录');
      return;
    }
    $('screen-error').textContent = `数据加载失败：${error.message}`;
  }
}

function drawOverview(o) {
  for (const key of ['activityCount', 'completedActivityCount', 'registrationCount', 'volunteerCount',
    'activeVolunteerCount', 'responseCount', 'openRectificationCount', 'overdueRectificationCount']) {
    $(`fig-${key}`).textContent = number(o[key]);
  }
  $('fig-totalServiceHours').textContent = hours(o.totalServiceHours);
  $('fig-satisfactionRate').textContent = percent(o.satisfactionRate);
}

function drawHours(d) {
  const departments = d.hoursByDepartment;
  chart('chart-departments').setOption({
    backgroundColor: 'transparent',
    tooltip: { trigger: 'axis' },
    grid: { left: 90, right: 20, top: 10, bottom: 25 },
    xAxis: { type: 'value' },
    yAxis: { type: 'category', inverse: true, data: departments.map((r) => r.department.name) },
    series: [{ type: 'bar', name: '小时', data: departments.map((r) => r.hours), label: { show: true, position: 'right' } }],
  }, true);
  const months = d.hoursByMonth;
  chart('chart-months').setOption({
    backgroundColor: 'transparent',
    tooltip: { trigger: 'axis' },
    legend: { top: 0, data: ['服务时长', '活动数'] },
    grid: { left: 50, right: 50, top: 45, bottom: 25 },
    xAxis: { type: 'category', data: months.map((m) => m.month) },
    yAxis: [{ type: 'value', name: '小时' }, { type: 'value', name: '活动', minInterval: 1 }],
    series: [
      { type: 'bar', name: '服务时长', data: months.map((m) => m.hours) },
      { type: 'line', name: '活动数', yAxisIndex: 1, data: months.map((m) => m.activityCount) },
    ],
  }, true);
}

function drawSatisfaction(rows) {
  chart('chart-satisfaction').setOption({
    backgroundColor: 'transparent',
    tooltip: { trigger: 'axis', valueFormatter: (v) => `${v}%` },
    grid: { left: 90, right: 40, top: 10, bottom: 25 },
    xAxis: { type: 'value', max: 100 },
    yAxis: { type: 'category', inverse: true, data: rows.map((r) => `${r.department.name}（${r.responseCount}）`) },
    series: [{
      type: 'bar',
      data: rows.map((r) => (r.satisfactionRate == null ? 0 : Math.round(r.satisfactionRate * 1000) / 10)),
      label: { show: true, position: 'right', formatter: '{c}%' },
    }],
  }, true);
}

function drawRectifications(overview, handling) {
  const overdue = overview.overdueRectificationCount;
  const open = Math.max(overview.openRectificationCount - overdue, 0);
  chart('chart-rectifications').setOption({
    backgroundColor: 'transparent',
    tooltip: { trigger: 'item' },
    legend: { bottom: 0 },
    title: {
      text: `整改率 ${percent(handling.rectificationRate)} · 按期 ${percent(handling.onTimeRate)}`,
      left: 'center', top: 0, textStyle: { fontSize: 13 },
    },
    series: [{
      type: 'pie', radius: ['40%', '65%'], top: 20,
      data: [
        { name: '待办', value: open },
        { name: '超期', value: overdue },
        { name: '办结', value: handling.settledCount },
      ],
      label: { formatter: '{b} {c}' },
    }],
  }, true);
}

function drawPairings(rows, departmentId) {
  const shown = departmentId ? rows.filter((r) => r.pairing.department.id === departmentId) : rows;
  const names = shown.map((r) => `${r.pairing.department.name}×${r.pairing.community.name}`);
  chart('chart-pairings').setOption({
    backgroundColor: 'transparent',
    tooltip: { trigger: 'axis' },
    legend: { top: 0, data: ['已完成', '目标'] },
    grid: { left: 150, right: 30, top: 30, bottom: 25 },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', inverse: true, data: names },
    series: [
      { type: 'bar', name: '已完成', data: shown.map((r) => r.completedActivityCount), label: { show: true, position: 'right' } },
      { type: 'bar', name: '目标', data: shown.map((r) => r.targetActivityCount) },
    ],
  }, true);
}

/** The care register in counts only (the API gives no name): the monthly visit rate
 *  (national target 100 %), and those overdue by risk tier and by department. */
function drawCare(care) {
  const recipients = care.overdueByDepartment.reduce((n, d) => n + d.recipientCount, 0);
  const overdue = care.overdueByDepartment.reduce((n, d) => n + d.overdueCount, 0);
  $('fig-careRecipientCount').textContent = number(recipients);
  $('fig-careOverdueCount').textContent = number(overdue);
  const months = care.visitRateByMonth;
  chart('chart-care-months').setOption({
    backgroundColor: 'transparent',
    tooltip: { trigger: 'axis' },
    legend: { top: 0, data: ['探访率', '已探访', '在册'] },
    grid: { left: 50, right: 50, top: 45, bottom: 25 },
    xAxis: { type: 'category', data: months.map((m) => m.month) },
    yAxis: [{ type: 'value', name: '%', max: 100 }, { type: 'value', name: '人', minInterval: 1 }],
    series: [
      {
        type: 'line', name: '探访率', data: months.map((m) => (m.visitRate == null ? null : Math.round(m.visitRate * 1000) / 10)),
        label: { show: true, formatter: '{c}%' }, markLine: { silent: true, symbol: 'none', data: [{ yAxis: 100, name: '目标' }] },
      },
      { type: 'bar', name: '已探访', yAxisIndex: 1, data: months.map((m) => m.visitedCount) },
      { type: 'bar', name: '在册', yAxisIndex: 1, data: months.map((m) => m.recipientCount) },
    ],
  }, true);
  chart('chart-care-tiers').setOption({
    backgroundColor: 'transparent',
    tooltip: { trigger: 'axis' },
    legend: { top: 0, data: ['超期未探访', '在册'] },
    grid: { left: 60, right: 30, top: 30, bottom: 20 },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', inverse: true, data: care.byTier.map((t) => TIER[t.tier] || t.tier) },
    series: [
      { type: 'bar', name: '超期未探访', data: care.byTier.map((t) => t.overdueCount), label: { show: true, position: 'right' } },
      { type: 'bar', name: '在册', data: care.byTier.map((t) => t.recipientCount) },
    ],
  }, true);
  const body = $('care-departments').tBodies[0];
  body.replaceChildren(...care.overdueByDepartment.map((d) => {
    const tr = document.createElement('tr');
    tr.append(cell(d.department.name), cell(number(d.recipientCount)), cell(number(d.overdueCount)));
    return tr;
  }));
}

function cell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

function drawTopVolunteers(rows) {
  const body = $('top-volunteers').tBodies[0];
  body.replaceChildren(...rows.map((row, i) => {
    const tr = document.createElement('tr');
    tr.append(cell(String(i + 1)), cell(row.volunteer.displayName), cell('★'.repeat(row.volunteer.starLevel) || '—'), cell(hours(row.hours)));
    return tr;
  }));
}

function drawTimeline(activities) {
  const list = $('timeline');
  const day = (at) => (at ? new Date(at).toLocaleDateString('zh-CN', { timeZone: 'Asia/Shanghai', month: 'numeric', day: 'numeric' }) : '未定日期');
  list.replaceChildren(...activities.edges.map(({ node }) => {
    const li = document.createElement('li');
    li.className = `status-${node.status.toLowerCase()}`;
    li.dataset.status = node.status;
    const when = document.createElement('span');
    when.className = 'when';
    when.textContent = node.startsAt ? `${day(node.startsAt)}${node.endsAt && day(node.endsAt) !== day(node.startsAt) ? `–${day(node.endsAt)}` : ''}` : node.timeLabel || '未定日期';
    const title = document.createElement('span');
    title.className = 'title';
    title.textContent = node.title;
    const who = document.createElement('span');
    who.className = 'muted';
    who.textContent = node.leadDepartments.map((d) => d.name).join('、');
    const status = document.createElement('span');
    status.className = 'badge';
    status.textContent = STATUS[node.status] || node.status;
    li.append(when, title, who, status);
    return li;
  }));
}

// ---------- start ----------

async function main() {
  const year = new Date().getFullYear();
  $('from').value = `${year}-01-01`;
  $('to').value = `${year}-12-31`;
  $('signin-form').addEventListener('submit', signIn);
  $('signout').addEventListener('click', signOut);
  $('apply').addEventListener('click', () => refresh());
  $('department').addEventListener('change', () => refresh());
  window.addEventListener('resize', () => Object.values(charts).forEach((c) => c.resize()));
  documentText = await (await fetch('/dashboard/operations.graphql')).text();
  const stored = STORE.getItem('tongxin.session');
  if (!stored) return showSignIn();
  try {
    session = JSON.parse(stored);
    await start();
  } catch {
    forget();
    showSignIn();
  }
}

main();
