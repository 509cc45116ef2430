/** The capture UI: what the shell mounts for `c`, and the overview's traffic cell. */
export { CaptureScreen, type CaptureScreenProps } from './CaptureScreen.js';
export { CaptureView, type CaptureViewProps } from './CaptureView.js';
export { trafficSegs } from './traffic.js';
