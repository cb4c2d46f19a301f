// Where a run came from, so that a history can say what changed between two nights: the
// git commit of the project it was started in (and whether the work tree had changes), the
// suite file's content hash, and where its shard came from. The data's fingerprint is in
// the config and the machine in the environment.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { GiB, readRegularFile } from '../../core/util/paths.ts';

export interface Provenance {
  /** The commit checked out where the run started, when that is a git work tree (and git is installed). */
  readonly git?: { readonly commit: string; readonly dirty: boolean };
  /** The suite file and the sha256 of its bytes (absent for a suite built in code, e.g. `evaluate`). */
  readonly suiteFile?: { readonly path: string; readonly sha256: string };
  /** How the shard was chosen: "--shard 2/4", or the engine and variables `--shard auto` read. */
  readonly shard?: string;
}

/** The git commit of the work tree at `cwd`, or undefined outside one. */
export function gitState(cwd: string = process.cwd()): Provenance['git'] {
  const git = (args: string[]) => spawnSync('git', args, { cwd, encoding: 'utf8' });
  const head = git(['rev-parse', '--verify', 'HEAD']);
  if (head.error || head.status !== 0) return undefined;
  const status = git(['status', '--porcelain', '--untracked-files=no']);
  return { commit: head.stdout.trim(), dirty: status.status !== 0 || status.stdout.trim() !== '' };
}

export function fileHash(path: string): string {
  return createHash('sha256')
    .update(readRegularFile(path, { what: 'a file to fingerprint', maxBytes: 2 * GiB - 1 }))
    .digest('hex');
}
