// Runs the real command line in a child process, as a user or CI job would.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';

export const ROOT = join(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'optrobust.js');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function cli(args: readonly string[], cwd = ROOT, env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0', ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the CLI in its own process group, so the test can kill it with its workers. */
export function cliDetached(args: readonly string[], stdio: 'ignore' | 'pipe' = 'ignore') {
  return spawn(process.execPath, [BIN, ...args], { cwd: ROOT, detached: true, stdio });
}

export const read = (dir: string, file: string): string => readFileSync(join(dir, file), 'utf8');
