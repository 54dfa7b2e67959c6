// Automatic persisted queries with urql's persistedExchange (the Apollo
// protocol), and negotiated compression with Node's fetch.
// Env: GRAPHQL_URL, COMPANY_TOKEN.
import { Client, fetchExchange } from '@urql/core';
import { persistedExchange } from '@urql/exchange-persisted';

const url = process.env.GRAPHQL_URL;
const token = process.env.COMPANY_TOKEN;
const fail = (msg) => { console.error(msg); process.exit(1); };

// Every request the client makes, as the server saw it.
const sent = [];
const recordingFetch = async (input, init = {}) => {
  const res = await fetch(input, init);
  const body = typeof init.body === 'string' ? init.body : '';
  sent.push({ method: init.method || 'GET', url: String(input), body, status: res.status });
  return res;
};

const client = new Client({
  url,
  fetch: recordingFetch,
  fetchOptions: { headers: { Authorization: `Bearer ${token}` } },
  requestPolicy: 'network-only',
  exchanges: [persistedExchange({ preferGetForPersistedQueries: true }), fetchExchange],
});

const query = `query Viewer { viewer { name } invoices(first: 3) { totalCount } }`;
for (let round = 1; round <= 3; round++) {
  const r = await client.query(query, {}).toPromise();
  if (r.error) fail(`round ${round}: ${r.error}`);
  if (r.data?.viewer?.name !== 'Norrlands Snickeri AB') fail(`round ${round}: ${JSON.stringify(r.data)}`);
}
const carriesQuery = (s) => s.body.includes('viewer') || (new URL(s.url).searchParams.get('query') || '').includes('viewer');
// Round 1: the hash alone (unknown), then the query with its hash; rounds 2
// and 3: the hash alone, over GET, and answered.
if (sent.length !== 4) fail(`expected 4 requests, saw ${sent.length}: ${JSON.stringify(sent)}`);
if (carriesQuery(sent[0])) fail(`the first request carried the query: ${JSON.stringify(sent[0])}`);
if (!carriesQuery(sent[1])) fail(`the retry did not carry the query: ${JSON.stringify(sent[1])}`);
for (const s of sent.slice(2)) {
  if (s.method !== 'GET' || carriesQuery(s) || s.status !== 200) fail(`not a hash-only GET: ${JSON.stringify(s)}`);
}
console.log(`persisted queries: ${sent.map((s) => `${s.method} ${s.status}${carriesQuery(s) ? ' +query' : ''}`).join(', ')}`);

// Compression: a page of invoices, asked for with brotli, then gzip, then none.
const page = JSON.stringify({ query: '{ invoices(first: 100) { nodes { invoiceNumber total dueDate customer { name } } } }' });
for (const encoding of ['br', 'gzip', 'identity']) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'accept-encoding': encoding },
    body: page,
  });
  const got = res.headers.get('content-encoding');
  const json = await res.json();
  if (!json.data?.invoices?.nodes) fail(`${encoding}: ${JSON.stringify(json)}`);
  const want = encoding === 'identity' ? null : encoding;
  if (got !== want) fail(`asked for ${encoding}, got content-encoding ${got}`);
  console.log(`compression ${encoding}: content-encoding ${got}, ${json.data.invoices.nodes.length} invoices`);
}
