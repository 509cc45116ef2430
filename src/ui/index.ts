/** The Ink UI's public API: start it on a store, or embed the App. */
export { App } from './App.js';
export { startUi, DEFAULT_MAX_FPS, type StartOptions, type UiHandle } from './start.js';
export type { AppProps, AppStoreReader, CaptureTarget } from './types.js';
export { BINDINGS, type Binding, type Command, type Scope } from './keys.js';
