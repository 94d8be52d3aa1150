// Subscribes to serverHeartbeat with the graphql-ws client and exits after N events (bounded in time).
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, countArg, token] = process.argv.slice(2);
const want = Number(countArg ?? 2);
const timer = setTimeout(() => {
  console.error('timed out waiting for heartbeats');
  process.exit(1);
}, 20000);

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  retryAttempts: 0,
  connectionParams: token ? { authorization: `Bearer ${token}` } : {},
});
let seen = 0;
await new Promise((resolve, reject) => {
  const dispose = client.subscribe(
    { query: 'subscription { serverHeartbeat(intervalSeconds: 1) { uptimeSeconds now } }' },
    {
      next: (result) => {
        if (result.errors) return reject(new Error(JSON.stringify(result.errors)));
        seen += 1;
        console.log('heartbeat', JSON.stringify(result.data));
        if (seen >= want) {
          dispose();
          resolve();
        }
      },
      error: (e) => reject(e instanceof Error ? e : new Error(JSON.stringify(e?.reason ?? e?.code ?? e))),
      complete: () => resolve(),
    },
  );
}).catch((e) => {
  console.error('subscription failed:', e.message);
  process.exit(1);
});
clearTimeout(timer);
console.log(`received ${seen} heartbeats`);
await client.dispose();
process.exit(0);
