// Runs the built replay UI (dist/ui/replay.js) on a recording's frames (one frame text a line, then
// a line of marks as JSON) in the terminal it is started in: what `netwatch replay FILE` will call
// (helper "record" builds that command and the file-backed Timeline). Used by test/e2e/replay-ui.test.ts.
import { readFileSync } from 'node:fs';

const dist = new URL('../../dist/', import.meta.url);
const { parseFrame } = await import(new URL('state/stream.js', dist).href);
const { memoryTimeline } = await import(new URL('state/timeline-memory.js', dist).href);
const { startReplayUi } = await import(new URL('ui/replay.js', dist).href);

const [file, name] = process.argv.slice(2);
const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
const marks = JSON.parse(lines.pop());
const timeline = { ...memoryTimeline(lines.map(parseFrame)), marks };
await startReplayUi(timeline, { name });
process.exit(0);
