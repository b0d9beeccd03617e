// axe-core (WCAG 2.1 A and AA rules) on the staff pages behind the sign-in: the
// workbench, the 12345 screens, the dashboards with their SVG charts, the wall
// screen and the work report. No serious or critical violations.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, newPage, seriousViolations, formatViolations, DEMO_PASSWORD,
  passSecondFactor,
} from '../lib.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** This quarter as the server names it (China time), e.g. 2026-Q4. */
function thisQuarter() {
  const now = new Date(Date.now() + 8 * 3600 * 1000);
  return `${now.getUTCFullYear()}-Q${Math.floor(now.getUTCMonth() / 3) + 1}`;
}

// [account, name, path]
const PAGES = [
  ['sj.clerk', '工作台', '/workbench'],
  ['sj.clerk', '窗口受理', '/workbench/accept'],
  ['sj.clerk', '工程建设项目', '/projects'],
  ['sj.clerk', '登记工程建设项目', '/projects/new'],
  ['sj.clerk', '商事登记', '/registration'],
  ['zh.clerk', '一件事一次办', '/workbench/bundles'],
  ['zh.clerk', '受理一件事：开办企业', '/workbench/bundles/accept/YJS-KBQY'],
  ['zj.approver', '联合验收', '/projects/acceptances'],
  ['zj.approver', '并联审批阶段定义', '/projects/stages'],
  ['hotline', '12345话务员受理', '/hotline'],
  ['hotline', '12345工单列表', '/hotline/orders'],
  ['hotline', '12345话务记录', '/hotline/calls'],
  ['hotline', '12345热点诉求', '/hotline/topics'],
  ['hotline', '知识库待答问题', '/hotline/kb/questions'],
  ['unit.zj', '成员单位工作台', '/hotline/unit'],
  ['supervisor', '数据看板：政务服务中心', '/dashboard'],
  ['supervisor', '数据看板：事项清单', '/dashboard/catalog'],
  ['supervisor', '数据看板：区镇受理点', '/dashboard/points'],
  ['supervisor', '数据看板：好差评', '/dashboard/ratings'],
  ['supervisor', '数据看板：12345热线', '/dashboard/hotline'],
  ['supervisor', '数据看板：工程建设', '/dashboard/projects'],
  ['supervisor', '数据看板：窗口监督', '/dashboard/supervision'],
  ['supervisor', '好差评明细', '/dashboard/ratings/list?bad=1'],
  ['supervisor', '受理办件明细', '/dashboard/cases'],
  ['supervisor', '大屏（已停止自动刷新）', '/dashboard/wall?refresh=0'],
  ['supervisor', '工作报告', '/reports'],
  ['supervisor', '督查', '/supervision'],
  ['supervisor', '锦旗登记', '/supervision/banners'],
  ['supervisor', '创新举措登记', '/supervision/innovations'],
  ['supervisor', '窗口月度巡查', '/supervision/patrols'],
  ['supervisor', '第三方暗访', '/supervision/visits'],
  ['admin', '窗口考核（设定权重）', '/supervision/assessment'],
  ['supervisor', '挂钩项目', '/enterprise/projects'],
  ['supervisor', '挂钩项目季度分析', '/enterprise/analysis'],
  ['supervisor', '企业投诉（登记电话投诉）', '/enterprise/complaints'],
  ['supervisor', '企业投诉（逾期督办）', '/enterprise/complaints?show=overdue'],
  ['supervisor', '政府满意度测评', '/enterprise/surveys'],
  ['supervisor', '政府满意度测评结果（本季度）', `/enterprise/surveys/${thisQuarter()}`],
  ['sj.approver', '政府满意度测评结果（本部门）', `/enterprise/surveys/${thisQuarter()}`],
  ['admin', '系统管理', '/admin'],
  ['admin', '工作人员与角色', '/admin/users'],
  ['admin', '机构设置', '/admin/settings'],
  ['admin', '部门与服务点（修改服务点）', '/admin/org?edit=ZX'],
  ['admin', '搜索同义词', '/admin/catalog/synonyms'],
  ['admin', '一件事一次办（事项清单）', '/admin/catalog/bundles'],
  ['admin', '事项清单改革决定', '/admin/catalog/reforms'],
  ['admin', '公共资源交易数据导入', '/admin/trading'],
  ['supervisor', '数据看板：公共资源交易', '/dashboard/trading'],
  ['supervisor', '中介机构名录管理', '/admin/intermediaries'],
  ['supervisor', '中介超市服务需求（管理）', '/admin/intermediaries/requests'],
  ['admin', '并联审批阶段定义（新增版本）', '/projects/stages'],
  ['admin', '账户安全（动态口令）', '/me/totp'],
  ['supervisor', '账户安全（绑定动态口令）', '/me/totp'],
  ['supervisor', '修改密码', '/me/password'],
];

/** Signs in at /login; every role lands on its own start page, not back on /login. */
async function signIn(page, base, username) {
  await page.goto(`${base}/login`);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(DEMO_PASSWORD);
  await Promise.all([
    page.waitForURL((u) => u.pathname !== '/login'),
    page.getByRole('button', { name: '登录', exact: true }).click(),
  ]);
  if (new URL(page.url()).pathname.startsWith('/login/totp')) {
    // The administrator's second step; the page itself is checked too.
    const found = await seriousViolations(page);
    assert.deepEqual(found, [], `动态口令页：\n${formatViolations(found)}`);
    await Promise.all([
      page.waitForURL((u) => !u.pathname.startsWith('/login')),
      passSecondFactor(page),
    ]);
  }
}

test('工作人员页面没有严重（serious/critical）的无障碍问题', { timeout: 240_000 }, async (t) => {
  const base = server.base;
  const failures = [];
  const pages = new Map();
  for (const [user, name, path] of PAGES) {
    if (!pages.has(user)) {
      const page = await newPage(browser);
      await signIn(page, base, user);
      pages.set(user, page);
    }
    const page = pages.get(user);
    const url = base + path;
    const resp = await page.goto(url);
    assert.equal(resp?.status(), 200, `${name}（${url}）应返回 HTTP 200`);
    const bad = await seriousViolations(page);
    t.diagnostic(`${name}：严重问题 ${bad.length} 项`);
    if (bad.length > 0) failures.push(`${name}（${url}）：\n${formatViolations(bad)}`);
  }
  // The wall screen as the hall shows it reloads every minute (axe's meta-refresh rule
  // flags any timed reload); WCAG 2.2.1 is met by the link that turns it off, which
  // must be there. Its other rules apply as everywhere.
  const wall = pages.get('supervisor');
  await wall.goto(`${base}/dashboard/wall`);
  assert.equal(await wall.locator('meta[http-equiv="refresh"]').count(), 1, '大屏应每分钟自动刷新');
  assert.equal(await wall.getByRole('link', { name: '停止自动刷新' }).count(), 1, '大屏应提供“停止自动刷新”');
  const bad = (await seriousViolations(wall)).filter((v) => v.id !== 'meta-refresh');
  if (bad.length > 0) failures.push(`大屏：\n${formatViolations(bad)}`);
  assert.equal(failures.length, 0, `axe-core 发现严重的无障碍问题：\n${failures.join('\n\n')}`);
});
