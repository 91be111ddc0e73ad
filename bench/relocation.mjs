#!/usr/bin/env node
// Relocation of a live tenant with 100k leads while a writer sends 20 writes/s and a reader reads:
// (a) from a server with wal_level logical (replication; writes refused only at the cut-over),
// (b) from one without (the freeze method: writes refused for the whole copy). Two throw-away
// embedded servers. Prints each relocation's phases, the write freeze (target ≤ 5 s for (a)), the
// writes refused and lost (every acknowledged write must be on the new server) and reads failed.
// usage: node bench/relocation.mjs [leads=100000]
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, freePort, platformToken, psql, RUN, startApi } from './lib.mjs';

const LEADS = Number(process.argv[2] ?? 100_000);
const require = createRequire(import.meta.url);
const { startEmbeddedPostgres } = require('../dist/libs/catalog/src/embedded-postgres.js');

const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-relocation-'));
const start = async (name, settings) =>
  startEmbeddedPostgres({ dataDir: join(dir, name), port: await freePort(), persistent: false, settings });
const plain = await start('plain', {});
const logical = await start('logical', { wal_level: 'logical' });
const adminOf = (url) => {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
  };
};
const config = join(dir, 'tenants.config.json');
const l = adminOf(logical.url);
writeFileSync(
  config,
  JSON.stringify({
    placement: { policy: 'least-loaded', generalTags: ['general'] },
    servers: [
      { name: 'main', useCatalogServer: true, capacity: 100, tags: ['general'] },
      {
        name: 'logical-1',
        host: l.host,
        port: l.port,
        adminUserEnv: 'BENCH_PG2_USER',
        adminPasswordEnv: 'BENCH_PG2_PASSWORD',
        capacity: 100,
        tags: ['dedicated'],
      },
    ],
  }),
);

const dbUrl = (server, db) => {
  const u = new URL(server.url);
  u.pathname = `/${db}`;
  return u.toString();
};
const results = [];
const app = await startApi(
  plain.url,
  { TENANTS_CONFIG: config, BENCH_PG2_USER: l.user, BENCH_PG2_PASSWORD: l.password, TENANT_SPARE_DATABASES: '0' },
  'r',
);
try {
  const token = await platformToken(app.base);
  for (const [label, from, to, server] of [
    ['logical (wal_level logical on the source)', 'logical-1', 'main', logical],
    ['freeze (wal_level replica on the source)', 'main', 'logical-1', plain],
  ]) {
    const slug = `reloc-${from}-${RUN}`.slice(0, 40);
    const admin = { email: `admin@${slug}.test`, password: `admin-${slug}-pass` };
    const created = await api(app.base, 'POST', '/platform/tenants', {
      token,
      body: {
        slug,
        name: slug,
        adminEmail: admin.email,
        adminName: 'Admin',
        adminPassword: admin.password,
        dbServer: from,
      },
    });
    if (created.status !== 202) throw new Error(`create ${slug}: ${created.status}`);
    for (;;) {
      const s = await api(app.base, 'GET', `/platform/tenants/${slug}`, { token });
      if (s.json.status === 'active') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const dbName = `${RUN}r_${slug.replace(/-/g, '_')}`;
    psql(
      dbUrl(server, dbName),
      `insert into leads (id, name, email, status, source, owner_id, created_at, updated_at)
       select gen_random_uuid(), 'Seeded ' || g, 'seeded' || g || '@example.test', 'new', 'import',
              (select id from users limit 1), now(), now() from generate_series(1, ${LEADS}) g`,
    );
    const login = await api(app.base, 'POST', '/auth/login', { tenant: slug, body: admin });
    const tenantToken = login.json.accessToken;
    let running = true;
    const acknowledged = [];
    const writes = {};
    const reads = {};
    const tally = (into, key) => (into[key] = (into[key] ?? 0) + 1);
    const writer = (async () => {
      for (let i = 0; running; i++) {
        const r = await api(app.base, 'POST', '/leads', {
          token: tenantToken,
          tenant: slug,
          body: { name: `Live ${i}`, email: `live${i}@example.test` },
        });
        if (r.status === 201) acknowledged.push(r.json.id);
        tally(writes, r.status === 503 ? `503 ${String(r.json.type).split('/').pop()}` : String(r.status));
        await new Promise((res) => setTimeout(res, 50));
      }
    })();
    const reader = (async () => {
      while (running) {
        tally(
          reads,
          String((await api(app.base, 'GET', '/leads?limit=5', { token: tenantToken, tenant: slug })).status),
        );
        await new Promise((res) => setTimeout(res, 50));
      }
    })();
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = Date.now();
    const started = await api(app.base, 'POST', `/platform/tenants/${slug}/relocations`, {
      token,
      body: { targetServer: to },
    });
    if (started.status !== 202) throw new Error(`relocate ${slug}: ${started.status} ${JSON.stringify(started.json)}`);
    let relocation;
    for (;;) {
      relocation = (await api(app.base, 'GET', `/platform/tenants/${slug}/relocations/${started.json.id}`, { token }))
        .json;
      if (['done', 'failed', 'aborted'].includes(relocation.status)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const total = Date.now() - t0;
    await new Promise((r) => setTimeout(r, 1000));
    running = false;
    await Promise.all([writer, reader]);
    const target = to === 'main' ? plain : logical;
    const found = acknowledged.length
      ? Number(
          psql(
            dbUrl(target, dbName),
            `select count(*) from leads where id in (${acknowledged.map((id) => `'${id}'`).join(',')})`,
          ),
        )
      : 0;
    const row = {
      method: relocation.method,
      status: relocation.status,
      leads: LEADS,
      totalMs: total,
      writeFreezeMs: relocation.writeFreezeMs,
      phases: Object.fromEntries(relocation.phases.map((p) => [p.phase, p.ms])),
      writes,
      reads,
      lostWrites: acknowledged.length - found,
      verification: relocation.verification,
    };
    results.push(row);
    const v = relocation.verification;
    if (v)
      console.log(
        `  verification: audit head ${v.auditHeadMatch ? 'same' : 'DIFFERENT'}, migrations ${v.migrationsMatch ? 'same' : 'DIFFERENT'}; ${v.tables.map((x) => `${x.table} ${x.sourceRows}/${x.targetRows}${x.checksumMatch ? '' : ' MISMATCH'}`).join(', ')}`,
      );
    console.log(
      `${label}: ${row.status} in ${total} ms; writes frozen ${row.writeFreezeMs} ms (phases ${JSON.stringify(row.phases)}); writes ${JSON.stringify(writes)}; reads ${JSON.stringify(reads)}; acknowledged writes lost ${row.lostWrites}`,
    );
  }
} finally {
  await app.stop();
  await logical.stop();
  await plain.stop();
  rmSync(dir, { recursive: true, force: true });
}
const logicalRow = results.find((r) => r.method === 'logical');
if (logicalRow)
  console.log(`logical relocation of ${LEADS} leads: write freeze ${logicalRow.writeFreezeMs} ms (target ≤ 5000 ms)`);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/relocation.json', JSON.stringify({ at: new Date().toISOString(), results }, null, 2));
