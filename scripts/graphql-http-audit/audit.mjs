#!/usr/bin/env node
// Runs the GraphQL-over-HTTP server audits of `graphql-http` against a running server.
//
//   node audit.mjs [URL] [--verbose]     (URL defaults to $TONGXIN_URL, then http://127.0.0.1:8000/graphql)
//
// Prints one line per audit and a summary. Exits 1 when any audit is `warn` (a failed SHOULD)
// or `error` (a failed MUST, or an audit that could not run); `notice` (a failed MAY) is only
// printed. --verbose also prints the status, content-type and body of each failing response.
import { serverAudits } from 'graphql-http';

const args = process.argv.slice(2);
const verbose = args.includes('--verbose') || args.includes('-v');
const url =
  args.find((a) => !a.startsWith('-')) ||
  process.env.TONGXIN_URL ||
  'http://127.0.0.1:8000/graphql';

console.log(`graphql-http server audits against ${url}`);

const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
// One at a time, in the library's order: readable output and no burst against the server.
for (const { id, name, fn } of serverAudits({ url, fetchFn: fetch })) {
  let result;
  try {
    result = await fn();
  } catch (err) {
    // graphql-http throws only when the audit itself could not run (e.g. connection refused).
    result = { id, name, status: 'error', reason: `audit could not run: ${err?.cause?.message ?? err}` };
  }
  counts[result.status]++;
  const res = result.response;
  let line = `${result.status.padEnd(6)} ${id} ${name}`;
  if (result.status !== 'ok') line += ` -- ${result.reason}${res ? ` (got ${res.status})` : ''}`;
  console.log(line);
  if (verbose && res) {
    const body = await res.text().catch(() => '<body already read>');
    console.log(`         content-type: ${res.headers.get('content-type')}`);
    console.log(`         body: ${body.length > 300 ? `${body.slice(0, 300)}…` : body}`);
  }
}

const total = Object.values(counts).reduce((a, b) => a + b, 0);
console.log(
  `\n${total} audits: ${counts.ok} ok, ${counts.notice} notice, ${counts.warn} warn, ${counts.error} error`,
);
process.exit(counts.warn || counts.error ? 1 : 0);
