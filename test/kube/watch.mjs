// Watch streams of the test API server: a chunked HTTP 200 response with one JSON event per
// line, {"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":{...}}, as the real server.
//
// resourceVersion unset or "0": synthetic ADDED events for the current objects, then live events.
// resourceVersion N: the events after N from history, then live; N older than the compacted
// history: one ERROR event with a 410 Expired Status, then the stream ends.
// An object that starts or stops matching the selectors arrives as ADDED or DELETED.

import { API_VERSIONS, KINDS, status } from './store.mjs';

/**
 * @param {import('./apiserver.mjs').TestApiServer} server
 * @param {import('node:http').ServerResponse} res
 * @param {{ resource: import('./store.mjs').Resource, match: (o: any) => boolean, query: URLSearchParams }} w
 */
export function serveWatch(server, res, { resource, match, query }) {
  const store = server.store;
  const rvParam = query.get('resourceVersion') ?? '';
  const from = rvParam === '' || rvParam === '0' ? null : Number(rvParam);
  if (from !== null && !Number.isInteger(from)) {
    res.writeHead(400, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(status(400, 'BadRequest', `invalid resource version "${rvParam}"`)));
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  /** @param {string} type @param {unknown} object */
  const send = (type, object) => {
    if (!res.writableEnded && !server.hung) res.write(JSON.stringify({ type, object }) + '\n');
  };

  if (from !== null) {
    const missed = store.eventsSince(resource, from);
    if (missed === null) {
      send('ERROR', status(410, 'Expired', `too old resource version: ${from} (${store.floor + 1})`));
      res.end();
      return;
    }
    for (const ev of missed) deliver(ev);
  } else {
    for (const obj of store.list(resource)) if (match(obj)) send('ADDED', obj);
  }

  /** @param {import('./store.mjs').StoreEvent} ev */
  function deliver(ev) {
    const before = ev.prev ? match(ev.prev) : false;
    const now = ev.type !== 'DELETED' && match(ev.object);
    if (now && before) send('MODIFIED', ev.object);
    else if (now) send('ADDED', ev.object);
    else if (before) send('DELETED', ev.object);
  }

  const unsubscribe = store.subscribe({ resource, onEvent: deliver });
  /** @type {NodeJS.Timeout[]} */
  const timers = [];
  const end = () => {
    unsubscribe();
    for (const t of timers) clearTimeout(t);
    server.watches.delete(end);
    if (!res.writableEnded) res.end();
  };
  server.watches.add(end);
  res.on('close', end);

  const timeout = Number(query.get('timeoutSeconds') ?? server.opts.defaultWatchTimeoutSeconds ?? 1800);
  // while the server hangs, a watch that times out stays open and silent, as behind a black hole
  timers.push(setTimeout(() => (server.hung ? undefined : end()), Math.max(0, timeout) * 1000));
  const bookmarks = query.get('allowWatchBookmarks') === 'true' || query.get('allowWatchBookmarks') === '1';
  if (bookmarks) {
    const every = server.opts.bookmarkIntervalMs ?? 60_000;
    const tick = () => {
      send('BOOKMARK', { kind: KINDS[resource], apiVersion: API_VERSIONS[resource], metadata: { resourceVersion: String(store.rv) } });
      timers[1] = setTimeout(tick, every);
    };
    timers[1] = setTimeout(tick, every);
  }
}
