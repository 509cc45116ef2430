// Lets a plain `node` child process run the TypeScript sources (the SIGKILL test starts
// netwatch's capture code in a child it then kills):
//   node --import ./test/capture/ts-register.mjs file.ts
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
