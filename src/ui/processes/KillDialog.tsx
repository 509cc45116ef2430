/**
 * The confirmation before a kill: everything the user must see before ending a process on a
 * node (node, pod, pid, command, container ID, port) and what will happen.
 */
import { Box, Text } from 'ink';
import type { KillTarget } from '../../sources/processes/kill.js';

export interface KillDialogProps {
  readonly target: KillTarget;
  readonly width: number;
  readonly graceMs: number;
  /** the key hints line */
  readonly hint: string;
}

const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, Math.max(0, n - 1))}…` : s);

export function KillDialog({ target, width, graceMs, hint }: KillDialogProps) {
  const inner = Math.max(20, width - 4);
  const field = (name: string, value: string) => (
    <Text>
      {`${name.padEnd(11)}`}
      <Text bold>{clip(value, inner - 11)}</Text>
    </Text>
  );
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="red" paddingX={1} width={Math.min(width, inner + 4)}>
      <Text bold color="red">
        {clip(`Kill process ${target.pid} on ${target.node}?`, inner)}
      </Text>
      {field('node', target.node)}
      {field('pod', target.pod)}
      {field('pid', String(target.pid))}
      {field('command', target.command)}
      {field('container', target.containerId ?? '(none)')}
      {field('port', target.ports.length ? target.ports.join(', ') : '(none held)')}
      <Text dimColor>{clip(`SIGTERM, then SIGKILL after ${Math.round(graceMs / 100) / 10} s if still running.`, inner)}</Text>
      <Text>{clip(hint, inner)}</Text>
    </Box>
  );
}
