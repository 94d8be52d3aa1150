// Runs the graphql-http server audit against a live Nexus; exits non-zero on any MUST or SHOULD failure.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs http://127.0.0.1:PORT/graphql');
  process.exit(2);
}
const results = await auditServer({ url });
let failed = 0;
for (const r of results) {
  const level = r.name.split(' ')[0];
  if (r.status === 'ok') {
    console.log(`ok      ${r.id} ${r.name}`);
  } else if (level === 'MUST' || level === 'SHOULD' || r.status === 'error') {
    failed += 1;
    console.log(`FAILED  ${r.id} ${r.name}: ${r.reason}`);
  } else {
    console.log(`skipped ${r.id} ${r.name}: ${r.reason}`);
  }
}
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
