// HubSpot's official Node client (@hubspot/api-client, the version in package-lock.json) against
// the real `hubrules sandbox` binary: if the SDK HubSpot ships can work with the sandbox, an
// integration tested against it will work against HubSpot too.
//
// Run by ctest through run.sh, which installs the client into a cache folder and passes
//   HUBRULES_BINARY  the hubrules program
//   NODE_PATH        the cache's node_modules
'use strict';

const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const readline = require('node:readline');

const hubspot = require('@hubspot/api-client');

const CLIENT_ID = 'node-client-id';
const CLIENT_SECRET = 'node-client-secret';
const PRIVATE_APP_TOKEN = 'pat-node-client-test';
const REDIRECT_URI = 'http://127.0.0.1:9/oauth-callback';

let sandbox;
let basePath;
let client;

// Starts `hubrules sandbox` on a free port; resolves with its base URL, read from the first line
// it prints ("hubrules sandbox listening on http://HOST:PORT").
function startSandbox() {
  const binary = process.env.HUBRULES_BINARY;
  assert.ok(binary, 'HUBRULES_BINARY must name the hubrules program (ctest passes it)');
  const args = ['sandbox', '--listen', '127.0.0.1:0', '--client-id', CLIENT_ID, '--client-secret', CLIENT_SECRET,
                '--token', PRIVATE_APP_TOKEN,
                // Search sees records at once and the limits stay out of the way: this test is
                // about shapes, the C++ tests cover lag and limits.
                '--search-lag-ms', '0', '--burst-limit', '10000', '--search-rate', '1000'];
  sandbox = spawn(binary, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: sandbox.stdout });
    const timer = setTimeout(() => reject(new Error('the sandbox printed no address within 20 s')), 20000);
    sandbox.once('error', reject);
    sandbox.once('exit', (code) => reject(new Error(`the sandbox exited early with status ${code}`)));
    lines.once('line', (line) => {
      clearTimeout(timer);
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match) resolve(match[1]);
      else reject(new Error(`unexpected first line from the sandbox: ${line}`));
    });
  });
}

function stopSandbox() {
  if (!sandbox || sandbox.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    sandbox.removeAllListeners('exit');
    sandbox.once('exit', resolve);
    sandbox.kill('SIGTERM');
  });
}

// The HTTP status of a refused call (the SDK throws an ApiException with it in `code`).
async function statusOf(call) {
  try {
    await call();
  } catch (e) {
    return e.code;
  }
  return 200;
}

before(async () => {
  basePath = await startSandbox();
  client = new hubspot.Client({ accessToken: PRIVATE_APP_TOKEN, basePath });
});

after(stopSandbox);

describe('records through the basic API', () => {
  for (const [object, first, second] of [
    ['contacts', { email: 'Ann@Example.com', firstname: 'Ann' }, { email: 'bo@example.com', firstname: 'Bo' }],
    ['companies', { name: 'Acme', domain: 'acme.example' }, { name: 'Bolt', domain: 'bolt.example' }],
  ]) {
    test(`${object}: create, getById, update, getPage, archive`, async () => {
      const api = client.crm[object].basicApi;
      const created = await api.create({ properties: first, associations: [] });
      assert.match(created.id, /^[0-9]+$/);
      assert.equal(created.properties.hs_object_id, created.id);
      assert.ok(created.createdAt instanceof Date && !Number.isNaN(created.createdAt.getTime()));
      assert.equal(created.archived, false);
      if (object === 'contacts') assert.equal(created.properties.email, 'ann@example.com');
      else assert.equal(created.properties.domain, 'acme.example');

      const wanted = Object.keys(first);
      const read = await api.getById(created.id, wanted, undefined, undefined, false);
      assert.equal(read.id, created.id);
      for (const name of wanted) assert.equal(read.properties[name], created.properties[name]);

      const updated = await api.update(created.id, { properties: { [wanted[1]]: 'Renamed' } });
      assert.equal(updated.id, created.id);
      assert.equal(updated.properties[wanted[1]], 'Renamed');
      const withHistory = await api.getById(created.id, [wanted[1]], [wanted[1]]);
      assert.equal(withHistory.properties[wanted[1]], 'Renamed');
      assert.equal(withHistory.propertiesWithHistory[wanted[1]][0].value, 'Renamed');
      assert.ok(withHistory.propertiesWithHistory[wanted[1]][0].timestamp instanceof Date);

      const other = await api.create({ properties: second, associations: [] });
      const page1 = await api.getPage(1, undefined, wanted, undefined, undefined, false);
      assert.equal(page1.results.length, 1);
      assert.equal(page1.results[0].id, created.id);
      assert.ok(page1.paging && page1.paging.next && page1.paging.next.after, 'a next page');
      const page2 = await api.getPage(1, page1.paging.next.after, wanted);
      assert.deepEqual(page2.results.map((r) => r.id), [other.id]);
      assert.equal(page2.paging, undefined);

      await api.archive(other.id);
      assert.equal(await statusOf(() => api.getById(other.id)), 404);
      const archived = await api.getById(other.id, undefined, undefined, undefined, true);
      assert.equal(archived.archived, true);
      const left = await api.getPage(100);
      assert.deepEqual(left.results.map((r) => r.id), [created.id]);
      const gone = await api.getPage(100, undefined, undefined, undefined, undefined, true);
      assert.deepEqual(gone.results.map((r) => r.id), [other.id]);
    });
  }

  test('contacts: getById and update by idProperty email; a taken email is 409', async () => {
    const api = client.crm.contacts.basicApi;
    const created = await api.create({ properties: { email: 'cy@example.com' }, associations: [] });
    const read = await api.getById('CY@example.com', ['email'], undefined, undefined, false, 'email');
    assert.equal(read.id, created.id);
    const updated = await api.update('cy@example.com', { properties: { lastname: 'Young' } }, 'email');
    assert.equal(updated.id, created.id);
    assert.equal(updated.properties.lastname, 'Young');
    assert.equal(await statusOf(() => api.create({ properties: { email: 'cy@example.com' }, associations: [] })), 409);
    assert.equal(await statusOf(() => api.create({ properties: { shoe_size: '9' }, associations: [] })), 400);
    assert.equal(await statusOf(() => api.update('999999', { properties: { lastname: 'X' } })), 404);
  });
});

describe('records through the batch API', () => {
  for (const [object, inputs] of [
    ['contacts', [{ email: 'batch1@example.com', firstname: 'One' }, { email: 'batch2@example.com', firstname: 'Two' }]],
    ['companies', [{ name: 'Batch One', domain: 'one.example' }, { name: 'Batch Two', domain: 'two.example' }]],
  ]) {
    test(`${object}: create, read, update, archive`, async () => {
      const api = client.crm[object].batchApi;
      const created = await api.create({ inputs: inputs.map((properties) => ({ properties, associations: [] })) });
      assert.equal(created.status, 'COMPLETE');
      assert.equal(created.results.length, 2);
      const ids = created.results.map((r) => r.id);
      const key = Object.keys(inputs[0])[1];
      assert.deepEqual(created.results.map((r) => r.properties[key]).sort(), inputs.map((p) => p[key]).sort());

      const read = await api.read({ inputs: ids.map((id) => ({ id })), properties: [key], propertiesWithHistory: [] }, false);
      assert.equal(read.status, 'COMPLETE');
      assert.deepEqual(read.results.map((r) => r.id).sort(), [...ids].sort());
      for (const r of read.results) assert.ok(inputs.some((p) => p[key] === r.properties[key]));

      const updated = await api.update({ inputs: ids.map((id) => ({ id, properties: { [key]: `changed ${id}` } })) });
      assert.equal(updated.results.length, 2);
      for (const r of updated.results) assert.equal(r.properties[key], `changed ${r.id}`);

      await api.archive({ inputs: [{ id: ids[0] }] });
      const after = await api.read({ inputs: ids.map((id) => ({ id })), properties: [key], propertiesWithHistory: [] });
      assert.deepEqual(after.results.map((r) => r.id), [ids[1]]);
      assert.equal(after.numErrors, 1);
      assert.deepEqual(after.errors[0].context.ids, [ids[0]]);
    });
  }
});

describe('search', () => {
  test('contacts and companies: doSearch with filters, properties and paging', async () => {
    const contacts = client.crm.contacts;
    const created = await contacts.basicApi.create({ properties: { email: 'search-me@example.com', firstname: 'Sue' },
                                                     associations: [] });
    const found = await contacts.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'SEARCH-ME@example.com' }] }],
      properties: ['email', 'firstname'],
      sorts: [],
      limit: 10,
      after: '0',
    });
    assert.equal(found.total, 1);
    assert.equal(found.results[0].id, created.id);
    assert.equal(found.results[0].properties.firstname, 'Sue');

    const companies = client.crm.companies;
    for (const domain of ['s1.example', 's2.example', 's3.example'])
      await companies.basicApi.create({ properties: { name: 'Searchable', domain }, associations: [] });
    const page = await companies.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'name', operator: 'EQ', value: 'searchable' }] }],
      properties: ['domain'],
      sorts: [],
      limit: 2,
      after: '0',
    });
    assert.equal(page.total, 3);
    assert.equal(page.results.length, 2);
    assert.ok(page.paging && page.paging.next && page.paging.next.after, 'a next page');
    const rest = await companies.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'name', operator: 'EQ', value: 'searchable' }] }],
      properties: ['domain'],
      sorts: [],
      limit: 2,
      after: page.paging.next.after,
    });
    const domains = [...page.results, ...rest.results].map((r) => r.properties.domain).sort();
    assert.deepEqual(domains, ['s1.example', 's2.example', 's3.example']);
  });
});

describe('v4 associations', () => {
  test('a default association, then the pages of associated records from both sides', async () => {
    const contact = await client.crm.contacts.basicApi.create({ properties: { email: 'linked@example.com' },
                                                                associations: [] });
    const company = await client.crm.companies.basicApi.create({ properties: { name: 'Linked' }, associations: [] });
    const api = client.crm.associations.v4.basicApi;
    const linked = await api.createDefault('contacts', contact.id, 'companies', company.id);
    assert.equal(linked.status, 'COMPLETE');
    assert.equal(linked.results.length, 1);
    assert.equal(linked.results[0].associationSpec.associationTypeId, 279);
    assert.equal(linked.results[0].associationSpec.associationCategory, 'HUBSPOT_DEFINED');

    const page = await api.getPage('contacts', contact.id, 'companies', undefined, 500);
    assert.equal(page.results.length, 1);
    assert.equal(String(page.results[0].toObjectId), company.id);
    assert.deepEqual(page.results[0].associationTypes.map((t) => ({ ...t })),
                     [{ category: 'HUBSPOT_DEFINED', typeId: 279, label: null }]);
    assert.equal(page.paging, undefined);

    const back = await api.getPage('companies', company.id, 'contacts');
    assert.equal(String(back.results[0].toObjectId), contact.id);
    assert.equal(back.results[0].associationTypes[0].typeId, 280);

    assert.equal(await statusOf(() => api.createDefault('contacts', contact.id, 'companies', '999999')), 404);
  });
});

describe('properties', () => {
  test('getAll and getByName', async () => {
    const api = client.crm.properties.coreApi;
    const all = await api.getAll('contacts', false);
    const names = all.results.map((p) => p.name);
    for (const name of ['email', 'firstname', 'lastname', 'hs_object_id']) assert.ok(names.includes(name), name);
    const email = await api.getByName('contacts', 'email', false);
    assert.equal(email.name, 'email');
    assert.equal(email.type, 'string');
    assert.deepEqual({ ...email }, { ...all.results.find((p) => p.name === 'email') });
    const domain = await api.getByName('companies', 'domain');
    assert.equal(domain.name, 'domain');
    assert.equal(await statusOf(() => api.getByName('contacts', 'shoe_size')), 404);
  });
});

describe('OAuth', () => {
  // The sandbox's consent page, then its Allow, which redirects with the code as HubSpot does
  // after the admin clicks "Connect app".
  async function authorizationCode() {
    const request = new URLSearchParams({ client_id: CLIENT_ID, redirect_uri: REDIRECT_URI, state: 'st-42',
                                          scope: 'crm.objects.contacts.read crm.objects.companies.read' });
    const url = new URL('/oauth/authorize', basePath);
    url.search = request.toString();
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /id="allow"/);
    const allow = new URLSearchParams(request);
    allow.set('portal', '1234567');
    allow.set('decision', 'allow');
    const answer = await fetch(new URL('/oauth/authorize', basePath), {
      method: 'POST', body: allow, redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(answer.status, 302);
    const location = new URL(answer.headers.get('location'));
    assert.equal(`${location.origin}${location.pathname}`, REDIRECT_URI);
    assert.equal(location.searchParams.get('state'), 'st-42');
    const code = location.searchParams.get('code');
    assert.ok(code, 'a code in the redirect');
    return code;
  }

  test('tokensApi.create: authorization_code, then refresh_token; the tokens work', async () => {
    const tokens = client.oauth.tokensApi;
    const code = await authorizationCode();
    const granted = await tokens.create('authorization_code', code, REDIRECT_URI, CLIENT_ID, CLIENT_SECRET);
    assert.equal(granted.tokenType, 'bearer');
    assert.equal(granted.expiresIn, 1800);
    assert.ok(granted.accessToken && granted.refreshToken);

    const asApp = new hubspot.Client({ accessToken: granted.accessToken, basePath });
    const page = await asApp.crm.contacts.basicApi.getPage(1);
    assert.ok(Array.isArray(page.results));
    // Only what the authorize request asked for is granted: no write scope, so no create.
    assert.equal(await statusOf(() => asApp.crm.contacts.basicApi.create({ properties: { email: 'no@scope.jp' } })), 403);

    const refreshed = await tokens.create('refresh_token', undefined, undefined, CLIENT_ID, CLIENT_SECRET,
                                          granted.refreshToken);
    assert.notEqual(refreshed.accessToken, granted.accessToken);
    assert.equal(refreshed.refreshToken, granted.refreshToken);
    assert.equal(refreshed.expiresIn, 1800);
    const again = new hubspot.Client({ accessToken: refreshed.accessToken, basePath });
    assert.ok(Array.isArray((await again.crm.companies.basicApi.getPage(1)).results));

    // A code is good for one exchange; a wrong secret is refused.
    assert.equal(await statusOf(() => tokens.create('authorization_code', code, REDIRECT_URI, CLIENT_ID, CLIENT_SECRET)), 400);
    assert.equal(await statusOf(() => tokens.create('refresh_token', undefined, undefined, CLIENT_ID, 'wrong',
                                                    granted.refreshToken)), 400);
    const stranger = new hubspot.Client({ accessToken: 'not-a-token', basePath });
    assert.equal(await statusOf(() => stranger.crm.contacts.basicApi.getPage(1)), 401);
  });
});
