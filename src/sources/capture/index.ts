/** Captures: the public API of src/sources/capture (see each module for details). */
export { CaptureSession, type CaptureSpec, type SessionOptions } from './session.js';
export { FanOut, combinedStatus, mergeSummaries, type FanOutTarget } from './fanout.js';
export { SummarySampler, type SamplerOptions, type SamplerTarget, type TrafficSample } from './sampler.js';
export { runCaptureCommand, type CaptureCommandOptions } from './cli.js';
export { checkFilter, type FilterCheck } from './check.js';
export { MAX_CAPTURES_PER_NODE, CaptureLimitError, acquireCaptureSlot, activeCaptures } from './limiter.js';
export {
  CAPTURE_DEFAULTS,
  CAPTURE_SH,
  CHECK_SH,
  MAX_SNAPLEN,
  captureArgs,
  parseStderr,
  userFilter,
  type OwnSsh,
  type OwnSshMode,
  type TcpdumpStats,
} from './script.js';
export { describeCapturePlan, describeOwnSsh, ownSshMode, snapText, type CapturePlan, type CapturePlanText } from './plan.js';
export { CaptureModel, PacketRing, type ModelOptions } from './model.js';
export { PcapStreamParser, parsePcapHeader, PcapFormatError, LINKTYPE, type PcapHeader, type PcapRecord } from './pcap.js';
export { decodePacket } from './decode.js';
export { formatPacket, formatTime, tcpFlags, icmpText } from './format.js';
export { SummaryTracker, type CaptureSummary, type SummaryOptions } from './summary.js';
export { summaryReport, type ReportLine } from './report.js';
export { PcapStore, type KeptFile } from './store.js';
export type { Packet, Proto, IcmpInfo, TcpInfo } from './packet.js';
export type { CaptureSource, CaptureSnapshot, CaptureStatus, CapturePart, PacketLine, StopReason, ErrorCause } from './source.js';
