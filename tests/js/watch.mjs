// Subscribes with the graphql-ws client and prints every result as one JSON line, until stdin
// closes or 60 s pass. Usage: node watch.mjs WS_URL TOKEN QUERY [VARIABLES_JSON]
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, token, query, variables] = process.argv.slice(2);
const timer = setTimeout(() => {
  console.error('watch: time is up');
  process.exit(1);
}, 60000);

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  retryAttempts: 0,
  connectionParams: { authorization: `Bearer ${token}` },
});
client.subscribe(
  { query, variables: variables ? JSON.parse(variables) : {} },
  {
    next: (result) => console.log(JSON.stringify(result)),
    error: (e) => {
      console.error('watch: subscription failed:', e instanceof Error ? e.message : JSON.stringify(e?.reason ?? e?.code ?? e));
      process.exit(1);
    },
    complete: () => process.exit(0),
  },
);
// The test ends the watcher by closing its stdin.
process.stdin.on('end', async () => {
  clearTimeout(timer);
  await client.dispose();
  process.exit(0);
});
process.stdin.resume();
