#!/usr/bin/env node
// Ink and React are several times slower in development builds; netwatch always runs production.
process.env.NODE_ENV ??= 'production';
// Ink draws only the last frame when it thinks it runs in CI (CI or CONTINUOUS_INTEGRATION set).
// A live view on a terminal is a live view: tell Ink (read when Ink is imported, below) so.
if (process.stdout.isTTY) {
  for (const k of ['CI', 'CONTINUOUS_INTEGRATION']) if (k in process.env) process.env[k] = 'false';
}
await import('../dist/cli/main.js');
