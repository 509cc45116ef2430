/**
 * The capture prompt's state as the shell's reducer keeps it (nav.ts CaptureRoute), handed to the
 * capture screen the shell mounts: what is typed, the snap length chosen, tcpdump's refusal, and
 * how many times it was started. The screen reports a refused filter back with onRejected.
 */
import { createContext, useContext } from 'react';
import type { CaptureRoute } from '../nav.js';

export interface CapturePromptState {
  route: CaptureRoute;
  onRejected: (message: string) => void;
}

export const CapturePromptContext = createContext<CapturePromptState | null>(null);

export function useCapturePrompt(): CapturePromptState | null {
  return useContext(CapturePromptContext);
}
