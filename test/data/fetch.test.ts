// `data fetch` against a local HTTP server: verified files land in place; a checksum
// mismatch deletes the download and says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchDataset, ChecksumError, DownloadError } from '../../src/data/fetch.ts';
import { DATASETS } from '../../src/data/sources.ts';

// The server sends stand-in bytes: against the published checksums they must be
// refused; against checksums of those very bytes they must be kept.
let server: Server;
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
    const fake = { description: 'test', baseUrl: base, md5: Object.fromEntries(files.map((f) => [f, md5(`not the real /${f}`)])), folders: [], installHint: '' };
    (DATASETS as Record<string, unknown>)['test-set'] = fake;
    try {
      const statuses: string[] = [];
      await fetchDataset('test-set', { dir, onFile: (f, s) => statuses.push(`${f}:${s}`) });
      expect(statuses).toEqual(files.map((f) => `${f}:downloaded`));
      expect(readFileSync(join(dir, files[0]!), 'utf8')).toBe(`not the real /${files[0]}`);
      statuses.length = 0;
      await fetchDataset('test-set', { dir, onFile: (f, s) => statuses.push(`${f}:${s}`) });
      expect(statuses).toEqual(files.map((f) => `${f}:present`));
    } finally {
      delete (DATASETS as Record<string, unknown>)['test-set'];
    }
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
    await expect(fetchDataset('mnist', { dir, baseUrl: `http://127.0.0.1:${port}/` })).rejects.toThrow(`http://127.0.0.1:${port}/train-images-idx3-ubyte.gz: cannot connect: ECONNREFUSED`);
    expect(readdirSync(dir)).toEqual([]); // a folder that existed before stays
  });

  it('refuses datasets without a download location', async () => {
    await expect(fetchDataset('fashion-mnist-subset')).rejects.toThrow(/has no download location/);
  });
});
