import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { OPS_CONSOLE_CSP } from '../apps/api/src/ops-console';
import { ensureDebianPackage } from './support/debian-package';
import { PLATFORM_ADMIN, TestApp, type TestTenant } from './support/test-app';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = resolve(__dirname, 'output/console');
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  nodes: string[];
}

/**
 * The ops console in Debian's chromium (playwright-core, nothing downloaded): sign in, onboard a
 * tenant and watch it go active, suspend and resume it by typing its slug, read the platform
 * audit. Any console error (a CSP violation included), any request outside /ops and
 * /api/v1/platform, or any axe-core violation on a page fails the journey.
 */
describe('ops console in a real browser', () => {
  let t: TestApp;
  let base: string;
  let other: TestTenant;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const consoleErrors: string[] = [];
  const strayRequests: string[] = [];
  const violations: Record<string, AxeViolation[]> = {};
  const started = Date.now();

  beforeAll(async () => {
    // The console's bundle, as `npm run build` makes it (dist/console), read by the API at start-up.
    execFileSync(process.execPath, [resolve(__dirname, '../apps/console/build.mjs')], {
      env: { ...process.env, CONSOLE_BUILD_QUIET: '1' },
    });
    t = await TestApp.start();
    await t.app.listen(0, '127.0.0.1');
    base = await t.app.getUrl();
    other = await t.createTenant('globex');
    mkdirSync(SHOTS, { recursive: true });
    if (!ensureDebianPackage(CHROMIUM, 'chromium'))
      throw new Error(
        `chromium is not installed (${CHROMIUM}): apt-get install -y chromium (the tests install it themselves when run as root)`,
      );
    profile = mkdtempSync(join(tmpdir(), 'tessera-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(String(error)));
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.protocol === 'data:') return;
      const ours =
        url.origin === base && (url.pathname.startsWith('/ops') || url.pathname.startsWith('/api/v1/platform/'));
      if (!ours) strayRequests.push(`${request.method()} ${request.url()}`);
    });
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await t?.stop();
    console.log(`ops console journey: ${Date.now() - started} ms in the browser suite; screenshots in ${SHOTS}`);
  });

  /** Screenshot and axe-core on the page as it is now. */
  async function check(name: string): Promise<void> {
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    await page.evaluate(AXE);
    const found = await page.evaluate<AxeViolation[]>(
      `axe.run(document).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) })))`,
    );
    if (found.length) violations[name] = found;
  }

  async function confirmAction(action: 'Suspend' | 'Resume', slug: string): Promise<void> {
    await page.getByRole('button', { name: action, exact: true }).click();
    const confirm = page.getByRole('button', { name: `Confirm ${action.toLowerCase()}` });
    expect(await confirm.isDisabled()).toBe(true);
    await page.getByLabel(`Type ${slug} to confirm`).fill(slug);
    await confirm.click();
  }

  it('walks sign-in, onboarding, suspend, resume and the audit with no error, stray request or axe violation', async () => {
    const slug = `initech-${t.id}`;
    const response = await page.goto(`${base}/ops`);
    expect(response?.headers()['content-security-policy']).toBe(OPS_CONSOLE_CSP);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await check('01-sign-in');

    await page.getByLabel('Email').fill(PLATFORM_ADMIN.email);
    await page.getByLabel('Password').fill(PLATFORM_ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Tenants' }).waitFor();
    await page.getByRole('link', { name: other.slug }).waitFor();
    await check('02-tenants');

    await page.getByRole('link', { name: 'Onboard a tenant' }).click();
    await page.getByRole('heading', { name: 'Onboard a tenant' }).waitFor();
    await check('03-onboard');
    await page.getByLabel('Slug').fill(slug);
    await page.getByLabel('Company name').fill('Initech');
    await page.getByLabel('Admin email').fill('boss@initech.test');
    await page.getByLabel('Admin name').fill('Bill');
    await page.getByLabel('Admin password (12 characters or more)').fill('initech-admin-passphrase');
    await page.getByRole('button', { name: 'Onboard' }).click();
    await page.getByRole('heading', { name: `Tenant ${slug}` }).waitFor();
    // The page follows provisioning live until the tenant is active.
    await page.locator('.status-active').waitFor({ timeout: 30_000 });
    await page.getByRole('cell', { name: 'leads' }).waitFor();
    await check('04-tenant-active');

    await confirmAction('Suspend', slug);
    await page.locator('.status-suspended').waitFor();
    await check('05-tenant-suspended');
    await confirmAction('Resume', slug);
    await page.locator('.status-active').waitFor();

    const pages: [string, string, string, () => Promise<void>][] = [
      ['Servers', 'Servers', '06-servers', () => page.getByRole('table', { name: 'Database servers' }).waitFor()],
      [
        'Migrations',
        'Fleet migrations',
        '07-migrations',
        () => page.getByRole('table', { name: 'Tenants per schema version' }).waitFor(),
      ],
      [
        'Queues',
        'Queues',
        '08-queues',
        () => page.getByRole('button', { name: 'Open Bull Board in a new tab' }).waitFor(),
      ],
    ];
    for (const [link, heading, shot, ready] of pages) {
      await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: link }).click();
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
      await ready();
      await check(shot);
    }

    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Audit' }).click();
    await page.getByRole('heading', { name: 'Platform audit' }).waitFor();
    await page.getByRole('cell', { name: 'platform.tenant.resume' }).first().waitFor();
    await page.getByRole('cell', { name: 'platform.tenant.suspend' }).first().waitFor();
    await check('09-audit');

    const [row] = await t.sql<{ status: string }>(
      'select status from tenants where slug = $1',
      [slug],
      `tessera_test_${t.id}`,
    );
    expect({ status: row.status, consoleErrors, strayRequests, violations }).toEqual({
      status: 'active',
      consoleErrors: [],
      strayRequests: [],
      violations: {},
    });
  });
});
