/** The capture UI: what the shell mounts for `c`, and the overview's traffic cell. */
export { CaptureScreen, type CaptureScreenProps } from './CaptureScreen.js';
export { CaptureView, type CaptureViewProps } from './CaptureView.js';
export { TrafficCell, trafficSegs } from './TrafficCell.js';
export { CAPTURE_BINDINGS, captureHelpRows, captureHint, resolveCaptureKey } from './keys.js';
