#!/usr/bin/env node
// Ink and React are several times slower in development builds; netwatch always runs production.
process.env.NODE_ENV ??= 'production';
await import('../dist/cli/main.js');
