// `data fetch` against a local HTTP server: verified files land in place; a checksum
// mismatch deletes the download and says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as tar from 'tar';
import { writeCifarFolder } from '../helpers/cifar.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchDataset, fetchSource, ChecksumError, DownloadError } from '../../src/core/data/fetch.ts';
import { DATASETS, loadDataset, type ArchiveDownload, type DatasetSource } from '../../src/core/data/sources.ts';
import { CHECKSUMS_FILE } from '../../src/core/data/checksums.ts';
import { cli, cliDetached } from '../helpers/cli.ts';

// The server sends stand-in bytes: against the published checksums they must be
// refused; against checksums of those very bytes they must be kept.
let server: Server;
/** Archives the server holds, by path. */
const archives = new Map<string, Buffer>();
let base = '';
const requests: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url?.includes('missing')) {
      res.writeHead(404).end();
      return;
    }
    if (req.url?.includes('hang')) return; // never answers
    const archive = archives.get(req.url ?? '');
    if (archive) {
      if (req.url?.includes('cut')) {
        // Half the archive, then the connection drops.
        res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': String(archive.length) });
        res.write(archive.subarray(0, archive.length >> 1), () => res.destroy());
        return;
      }
      res.writeHead(200, { 'content-type': 'application/gzip' }).end(archive);
      return;
    }
    if (req.url?.includes('stall')) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '1000' });
      res.write(Buffer.alloc(100)); // then nothing more
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from(`not the real ${req.url}`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/`;
});

afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('fetchDataset', () => {
  it('deletes a download whose MD5 does not match and names both checksums', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'optrobust-fetch-'));
    const err = await fetchDataset('fashion-mnist', { dir, baseUrl: base }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksumError);
    const served = createHash('md5').update('not the real /train-images-idx3-ubyte.gz').digest('hex');
    expect((err as Error).message).toBe(
      `${join(dir, 'train-images-idx3-ubyte.gz')}: MD5 ${served} does not match the published 8d4fb7e6c68d591d4c3dfef9ec88bf0d; the download was deleted`,
    );
    expect(readdirSync(dir)).toEqual([]);
    expect(requests).toContain('/train-images-idx3-ubyte.gz');
  });

  it('keeps files that verify and skips them on the next fetch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'optrobust-fetch-ok-'));
    // A dataset whose published checksums are those of what the server sends.
    const md5 = (s: string) => createHash('md5').update(s).digest('hex');
    const files = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'];
    const fake: DatasetSource = {
      description: 'test',
      format: 'idx',
      numClasses: 10,
      download: { baseUrl: base, md5: Object.fromEntries(files.map((f) => [f, md5(`not the real /${f}`)])) },
      folders: [],
      installHint: '',
    };
    const statuses: string[] = [];
    await fetchSource('test-set', fake, { dir, onFile: (f, s) => statuses.push(`${f}:${s}`) });
    expect(statuses).toEqual(files.map((f) => `${f}:downloaded`));
    expect(readFileSync(join(dir, files[0]!), 'utf8')).toBe(`not the real /${files[0]}`);
    statuses.length = 0;
    await fetchSource('test-set', fake, { dir, onFile: (f, s) => statuses.push(`${f}:${s}`) });
    expect(statuses).toEqual(files.map((f) => `${f}:present`));
  });

  it('reports HTTP errors with the URL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'optrobust-fetch-404-'));
    await expect(fetchDataset('mnist', { dir, baseUrl: `${base}missing/` })).rejects.toThrow(/missing\/train-images-idx3-ubyte.gz: HTTP 404/);
    expect(existsSync(join(dir, 'train-images-idx3-ubyte.gz'))).toBe(false);
  });

  it('gives up on a server that never answers, naming the URL; leaves no folder it created', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'optrobust-fetch-hang-')), 'new');
    const err = await fetchDataset('mnist', { dir, baseUrl: `${base}hang/`, connectTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as Error).message).toBe(`${base}hang/train-images-idx3-ubyte.gz: no response within 0.3 s`);
    expect(existsSync(dir)).toBe(false);
  });

  it('gives up on a download that stalls, and removes what arrived', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'optrobust-fetch-stall-')), 'new');
    const err = await fetchDataset('mnist', { dir, baseUrl: `${base}stall/`, idleTimeoutMs: 300 }).catch((e: unknown) => e);
    expect((err as Error).message).toBe(`${base}stall/train-images-idx3-ubyte.gz: no data for 0.3 s; the download was cut off`);
    expect(existsSync(dir)).toBe(false);
  });

  it('names the cause when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const dir = mkdtempSync(join(tmpdir(), 'optrobust-fetch-refused-'));
    await expect(fetchDataset('mnist', { dir, baseUrl: `http://127.0.0.1:${port}/` })).rejects.toThrow(
      `http://127.0.0.1:${port}/train-images-idx3-ubyte.gz: cannot connect: ECONNREFUSED`,
    );
    expect(readdirSync(dir)).toEqual([]); // a folder that existed before stays
  });

  it('refuses datasets without a download location', async () => {
    await expect(fetchDataset('fashion-mnist-subset')).rejects.toThrow(/has no download location/);
  });
});

describe('fetching an archive (cifar10)', () => {
  const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
  /** A .tar.gz like the official one: cifar-10-batches-bin/ with the six batches and two other files. */
  async function makeArchive(omit?: string): Promise<Buffer> {
    const work = mkdtempSync(join(tmpdir(), 'optrobust-tar-'));
    const inner = writeCifarFolder(join(work, 'cifar-10-batches-bin'), 20, 30);
    writeFileSync(join(inner, 'batches.meta.txt'), 'airplane\nautomobile\n');
    writeFileSync(join(inner, 'readme.html'), '<p>not extracted</p>');
    if (omit) rmSync(join(inner, omit));
    const file = join(work, 'cifar.tar.gz');
    await tar.c({ gzip: true, file, cwd: work }, ['cifar-10-batches-bin']);
    return readFileSync(file);
  }
  const source = (path: string, bytes: Buffer): DatasetSource => ({
    ...DATASETS.cifar10!,
    download: { ...(DATASETS.cifar10!.download as ArchiveDownload), url: `${base}${path}`, md5: md5(bytes) },
  });

  it('extracts the six batches, verified, and nothing else; a second fetch finds them present', async () => {
    const bytes = await makeArchive();
    archives.set('/ok/cifar-10-binary.tar.gz', bytes);
    const dir = join(mkdtempSync(join(tmpdir(), 'optrobust-cifar-')), 'cifar10');
    const statuses: string[] = [];
    await fetchSource('cifar10', source('ok/cifar-10-binary.tar.gz', bytes), { dir, onFile: (f, s) => statuses.push(`${f}:${s}`) });
    const files = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];
    expect(readdirSync(dir).sort()).toEqual([...files, CHECKSUMS_FILE].sort());
    expect(statuses).toEqual(files.map((f) => `${f}:downloaded`));
    const ds = loadDataset('cifar10', dir);
    expect([ds.train.count, ds.test.count, ...ds.shape]).toEqual([100, 30, 3, 32, 32]);
    statuses.length = 0;
    await fetchSource('cifar10', source('ok/cifar-10-binary.tar.gz', bytes), { dir, onFile: (f, s) => statuses.push(`${f}:${s}`) });
    expect(statuses).toEqual(files.map((f) => `${f}:present`));
  });

  it("records each member's SHA-256, so a cached copy is verified before use: a changed byte or a missing record is an error naming the file", async () => {
    const bytes = await makeArchive();
    archives.set('/verify/cifar-10-binary.tar.gz', bytes);
    const cache = mkdtempSync(join(tmpdir(), 'optrobust-cache-'));
    const dir = join(cache, 'cifar10');
    await fetchSource('cifar10', source('verify/cifar-10-binary.tar.gz', bytes), { dir });
    const recorded = JSON.parse(readFileSync(join(dir, CHECKSUMS_FILE), 'utf8')) as Record<string, string>;
    expect(recorded['test_batch.bin']).toBe(
      createHash('sha256')
        .update(readFileSync(join(dir, 'test_batch.bin')))
        .digest('hex'),
    );
    const before = process.env.OPTROBUST_CACHE;
    process.env.OPTROBUST_CACHE = cache;
    try {
      expect(loadDataset('cifar10').test.count).toBe(30);
      const file = join(dir, 'test_batch.bin');
      const b = readFileSync(file);
      b[5] = b[5]! ^ 1;
      writeFileSync(file, b);
      expect(() => loadDataset('cifar10')).toThrow(
        new RegExp(`${file}: is not the file \`data fetch\` extracted \\(SHA-256 [0-9a-f]{12}, recorded [0-9a-f]{12}\\)`),
      );
      rmSync(join(dir, CHECKSUMS_FILE));
      expect(() => loadDataset('cifar10')).toThrow(/has no record of its files' checksums/);
    } finally {
      if (before === undefined) delete process.env.OPTROBUST_CACHE;
      else process.env.OPTROBUST_CACHE = before;
    }
  });

  it('refuses an archive whose MD5 is not the published one, leaving nothing', async () => {
    archives.set('/mirror/cifar-10-binary.tar.gz', await makeArchive());
    const dir = join(mkdtempSync(join(tmpdir(), 'optrobust-cifar-md5-')), 'cifar10');
    const err = await fetchDataset('cifar10', { dir, baseUrl: `${base}mirror/` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksumError);
    expect((err as Error).message).toMatch(
      /\.cifar-10-binary\.tar\.gz: MD5 [0-9a-f]{32} does not match the published c32a1d4ab5d03f1284b67883e8d87530; the download was deleted/,
    );
    expect(existsSync(dir)).toBe(false);
  });

  it('an interrupted download leaves nothing half-written', async () => {
    const bytes = await makeArchive();
    archives.set('/cut/cifar-10-binary.tar.gz', bytes);
    const parent = mkdtempSync(join(tmpdir(), 'optrobust-cifar-cut-'));
    const err = await fetchSource('cifar10', source('cut/cifar-10-binary.tar.gz', bytes), { dir: join(parent, 'cifar10') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as Error).message).toMatch(/cut\/cifar-10-binary\.tar\.gz: the download broke off/);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('an archive without one of the batches is refused, leaving nothing', async () => {
    const bytes = await makeArchive('data_batch_3.bin');
    archives.set('/short/cifar-10-binary.tar.gz', bytes);
    const parent = mkdtempSync(join(tmpdir(), 'optrobust-cifar-short-'));
    const err = await fetchSource('cifar10', source('short/cifar-10-binary.tar.gz', bytes), { dir: join(parent, 'cifar10') }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/the archive lacks cifar-10-batches-bin\/data_batch_3\.bin/);
    expect(readdirSync(parent)).toEqual([]);
  });
});

describe('a cached download of published files', () => {
  it('is checked against the published MD5s before use: a damaged file is an error naming it', () => {
    const cache = mkdtempSync(join(tmpdir(), 'optrobust-cache-'));
    const dir = join(cache, 'mnist');
    mkdirSync(dir);
    // The shipped subset's files under the names of the full set: a complete folder, but not MNIST's published bytes.
    const subset = join(import.meta.dirname, '..', '..', 'data', 'mnist-subset');
    for (const f of readdirSync(subset)) writeFileSync(join(dir, f.endsWith('.gz') ? f : `${f}.gz`), readFileSync(join(subset, f)));
    const before = process.env.OPTROBUST_CACHE;
    process.env.OPTROBUST_CACHE = cache;
    try {
      expect(() => loadDataset('mnist')).toThrow(
        /mnist\/train-images-idx3-ubyte\.gz: MD5 [0-9a-f]{32} is not the published f68b3c2dcbeaaa9fbdd348bbdeb94873: the cached copy is damaged/,
      );
    } finally {
      if (before === undefined) delete process.env.OPTROBUST_CACHE;
      else process.env.OPTROBUST_CACHE = before;
    }
  });
});

describe('data fetch on the command line', () => {
  it('SIGTERM mid-download: exit 130, and the folder it created is gone', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'optrobust-fetch-term-'));
    const dir = join(parent, 'mnist');
    const child = cliDetached(['data', 'fetch', 'mnist', '--dir', dir, '--base-url', `${base}stall/`], 'pipe');
    const deadline = Date.now() + 30_000;
    while (!(existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.partial'))) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(readdirSync(dir).some((f) => f.endsWith('.partial'))).toBe(true);
    const code = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    process.kill(child.pid!, 'SIGTERM');
    expect(await code).toBe(130);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('an unknown dataset is an input error (exit 2)', async () => {
    const r = await cli(['data', 'fetch', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown dataset "nope"/);
  });
});
