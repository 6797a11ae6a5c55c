import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { tempFolder } from '../../main/files/temp-folder.ts';

test("a temp folder names its process, and making one removes its kind's folders whose process has ended", () => {
  const kind = `taughtnet-test-${process.pid}-`;
  const ended = spawnSync(process.execPath, ['-e', '']).pid!; // exited and reaped: no such process now
  const folder = (pid: number, prefix = kind) => join(tmpdir(), `${prefix}${pid}-abc123`);
  const left = folder(ended);
  const living = folder(process.ppid);
  const otherKind = folder(ended, `taughtnet-other-${process.pid}-`);
  for (const f of [left, living, otherKind]) {
    mkdirSync(f);
    writeFileSync(join(f, 'model.onnx'), 'weights');
  }
  const made = tempFolder(kind);
  try {
    assert.match(basename(made), new RegExp(`^${kind}${process.pid}-\\w{6}$`));
    assert.equal(existsSync(left), false, "an ended process's folder is removed");
    assert.equal(existsSync(living), true, "a running process's folder stays");
    assert.equal(existsSync(otherKind), true, "another kind's folder stays");
  } finally {
    for (const f of [made, left, living, otherKind]) rmSync(f, { recursive: true, force: true });
  }
});
