/**
 * The Python client's own tests (python/tests, `unittest`) as part of `npm test`: this test
 * runs them and fails on any failure, error, skip or missing interpreter, so they cannot be
 * skipped silently. They drive the built CLI (`dist/`), which `npm test` builds first.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PYTHON_DIR = fileURLToPath(new URL('../../python', import.meta.url));
const PYTHON = process.env['AGENTMETER_TEST_PYTHON'] ?? 'python3';
// The suite has at least this many tests; fewer means discovery lost some.
const MIN_TESTS = 35;

describe('python client (python -m unittest)', () => {
  it('passes every test, none skipped', () => {
    const r = spawnSync(PYTHON, ['-X', 'dev', '-m', 'unittest', 'discover', '-s', 'tests', '-t', '.', '-v'], {
      cwd: PYTHON_DIR,
      encoding: 'utf8',
      timeout: 570_000,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONWARNINGS: 'error' },
    });
    if (r.error) throw new Error(`cannot run ${PYTHON}: ${r.error.message} (set AGENTMETER_TEST_PYTHON to a Python >= 3.9)`);
    const out = `${r.stdout}\n${r.stderr}`;
    expect(r.status, out).toBe(0);
    const ran = /Ran (\d+) tests? in/.exec(out);
    expect(ran, out).not.toBeNull();
    expect(Number(ran?.[1]), out).toBeGreaterThanOrEqual(MIN_TESTS);
    expect(out, 'a Python test was skipped').not.toMatch(/skipped|expected failure/i);
  }, 600_000);
});
