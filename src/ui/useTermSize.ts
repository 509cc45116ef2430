/**
 * The terminal's size from Ink's stdout, updated on resize. A resize on a real terminal first
 * clears the whole screen (through Ink, which then draws its last frame again in full, so its
 * line count is right), then the App renders for the new size: no half-drawn frame is left when
 * the terminal rewraps or crops the old one.
 */
import { useStdout } from 'ink';
import { useEffect, useState } from 'react';
import { CLEAR_SCREEN } from './terminal.js';
import type { Size } from './view.js';

export function readSize(stdout: { columns?: number; rows?: number }): Size {
  return { columns: stdout.columns || 80, rows: stdout.rows || 24 };
}

/** `repaint`: this one (the App's) clears the screen on a resize */
export function useTermSize(opts: { repaint?: boolean } = {}): Size {
  const { stdout, write } = useStdout();
  const [size, setSize] = useState(() => readSize(stdout));
  useEffect(() => {
    const onResize = (repaint: boolean) => {
      if (repaint && opts.repaint && stdout.isTTY) write(CLEAR_SCREEN);
      setSize((prev) => {
        const next = readSize(stdout);
        return next.columns === prev.columns && next.rows === prev.rows ? prev : next;
      });
    };
    const listener = () => onResize(true);
    stdout.on('resize', listener);
    onResize(false);
    return () => {
      stdout.off('resize', listener);
    };
  }, [stdout, write, opts.repaint]);
  return size;
}
