// Runs the real command line in a child process, as a user or CI job would.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';

export const ROOT = join(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'optrobust.js');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the CLI to completion without blocking this process: a test worker blocked in a
 * synchronous spawn for over a minute (a busy machine) misses vitest's RPC deadline and the
 * run fails with every test passing ("Timeout calling onTaskUpdate").
 */
export function cli(args: readonly string[], cwd = ROOT, env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, FORCE_COLOR: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Starts the CLI in its own process group, so the test can kill it with its workers. */
export function cliDetached(args: readonly string[], stdio: 'ignore' | 'pipe' = 'ignore') {
  return spawn(process.execPath, [BIN, ...args], { cwd: ROOT, detached: true, stdio });
}

export const read = (dir: string, file: string): string => readFileSync(join(dir, file), 'utf8');
