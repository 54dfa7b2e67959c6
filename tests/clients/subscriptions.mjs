// The graphql-ws client (graphql-transport-ws) and the legacy
// subscriptions-transport-ws client (graphql-ws) each connect with the token in
// connection_init, subscribe to the notification feed, and receive the live
// event of a mutation made after they subscribed.
// Env: GRAPHQL_URL, COMPANY_TOKEN, OPERATOR_TOKEN.
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { SubscriptionClient } from 'subscriptions-transport-ws';

const url = process.env.GRAPHQL_URL;
const wsUrl = url.replace(/^http/, 'ws');
const company = process.env.COMPANY_TOKEN;
const operator = process.env.OPERATOR_TOKEN;
const feed = readFileSync(new URL('../../examples/operations/notification_bar.graphql', import.meta.url), 'utf8');

async function gql(token, query, variables = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

// The operator (re)activates invoice sale for the company: a notification.
async function activate(fixedFee) {
  const { viewer } = await gql(company, '{ viewer { id } }');
  await gql(
    operator,
    'mutation($c: ID!, $a: AgreementInput!) { activateInvoiceSale(companyId: $c, agreement: $a) { active } }',
    { c: viewer.id, a: { fixedFee, percentageFee: '2.9', minimumFee: '0', customerCreditLimit: '200000', totalCreditLimit: '1000000' } },
  );
}

function within(ms, what, promise) {
  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function viaGraphqlWs() {
  let acked;
  const connected = new Promise((resolve) => { acked = resolve; });
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${company}` },
    lazy: false,
    on: { connected: () => acked() },
  });
  await within(5000, 'graphql-ws connection_ack', connected);
  const iterator = client.iterate({ query: feed, operationName: 'NotificationFeed', variables: {} });
  const first = iterator.next();
  // The subscribe message is sent when iteration starts; give the server a moment to register it.
  await new Promise((r) => setTimeout(r, 300));
  await activate('19.90');
  const { value } = await within(10000, 'graphql-ws event', first);
  await iterator.return();
  await client.dispose();
  if (value.errors) throw new Error(JSON.stringify(value.errors));
  return value.data.notifications.notification.kind;
}

async function viaSubscriptionsTransportWs() {
  const client = new SubscriptionClient(
    wsUrl,
    { connectionParams: { Authorization: `Bearer ${company}` }, reconnect: false },
    WebSocket,
  );
  const event = new Promise((resolve, reject) => {
    client.request({ query: feed, operationName: 'NotificationFeed', variables: {} }).subscribe({
      next: (v) => (v.errors ? reject(new Error(JSON.stringify(v.errors))) : resolve(v.data)),
      error: (e) => reject(e instanceof Error ? e : new Error(JSON.stringify(e))),
    });
  });
  await within(5000, 'subscriptions-transport-ws connected', new Promise((resolve) => client.onConnected(resolve)));
  await new Promise((r) => setTimeout(r, 300));
  await activate('29.90');
  const data = await within(10000, 'subscriptions-transport-ws event', event);
  client.close();
  return data.notifications.notification.kind;
}

const results = {
  'graphql-ws': await viaGraphqlWs(),
  'subscriptions-transport-ws': await viaSubscriptionsTransportWs(),
};
console.log(JSON.stringify(results));
for (const [client, kind] of Object.entries(results)) {
  if (kind !== 'INVOICE_SALE_ACTIVATED') {
    console.error(`${client} received ${kind}`);
    process.exit(1);
  }
}
process.exit(0);
