/**
 * A capture source's snapshot as React state, refreshed at most every `refreshMs` however fast
 * packets arrive (10,000 packets/s would otherwise mean thousands of renders a second).
 */
import { useEffect, useRef, useState } from 'react';
import type { CaptureSnapshot, CaptureSource } from '../../sources/capture/source.js';

export function useCaptureSnapshot(source: CaptureSource, refreshMs = 150, maxLines = 2000): CaptureSnapshot {
  const [snap, setSnap] = useState(() => source.snapshot(maxLines));
  const timer = useRef<NodeJS.Timeout | null>(null);
  useEffect(() => {
    setSnap(source.snapshot(maxLines));
    const unsubscribe = source.subscribe(() => {
      if (timer.current) return;
      timer.current = setTimeout(() => {
        timer.current = null;
        setSnap(source.snapshot(maxLines));
      }, refreshMs);
    });
    return () => {
      unsubscribe();
      if (timer.current) clearTimeout(timer.current);
      timer.current = null;
    };
  }, [source, refreshMs, maxLines]);
  return snap;
}
