// The graphql-http server audits (GraphQL over HTTP spec: MUST, SHOULD, MAY)
// against a running server. Exit code 1 if any MUST fails, or a SHOULD fails
// that is not listed with its reason in should-exceptions.json (and README).
// Env: GRAPHQL_URL, COMPANY_TOKEN.
import { readFileSync } from 'node:fs';
import { serverAudits } from 'graphql-http';

const url = process.env.GRAPHQL_URL;
const token = process.env.COMPANY_TOKEN;
const exceptions = JSON.parse(readFileSync(new URL('./should-exceptions.json', import.meta.url), 'utf8'));

const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};

const audits = serverAudits({ url, fetchFn });
const counts = { MUST: [0, 0], SHOULD: [0, 0], MAY: [0, 0] };
const failures = [];
for (const audit of audits) {
  const result = await audit.fn();
  const level = audit.name.split(' ')[0];
  const ok = result.status === 'ok';
  counts[level][ok ? 0 : 1] += 1;
  const mark = ok ? 'ok  ' : result.status;
  console.log(`${mark} ${audit.id} ${audit.name}${ok ? '' : ` -- ${result.reason}`}`);
  if (!ok && level === 'MUST') failures.push(`${audit.id} ${audit.name}: ${result.reason}`);
  if (!ok && level === 'SHOULD' && !exceptions[audit.id]) failures.push(`${audit.id} ${audit.name}: ${result.reason}`);
}
console.log(`audits: ${audits.length}; passed/failed MUST ${counts.MUST}, SHOULD ${counts.SHOULD}, MAY ${counts.MAY}`);
if (failures.length) {
  console.error(`FAILED:\n${failures.join('\n')}`);
  process.exit(1);
}
