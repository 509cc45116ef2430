/** The terminal's size from Ink's stdout, updated on resize (the redraw itself: terminal.ts repaintingStdout). */
import { useStdout } from 'ink';
import { useEffect, useState } from 'react';
import type { Size } from './view.js';

export function readSize(stdout: { columns?: number; rows?: number }): Size {
  return { columns: stdout.columns || 80, rows: stdout.rows || 24 };
}

export function useTermSize(): Size {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => readSize(stdout));
  useEffect(() => {
    const onResize = () =>
      setSize((prev) => {
        const next = readSize(stdout);
        return next.columns === prev.columns && next.rows === prev.rows ? prev : next;
      });
    stdout.on('resize', onResize);
    onResize();
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}
