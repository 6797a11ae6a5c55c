// The engine host is a child process so that onnxruntime dying in native code (an abort, a segfault) cannot take
// the caller down: these tests kill real hosts (SIGABRT from inside, SIGKILL from outside) and check that this
// process, the caller, lives on, that nothing it awaits hangs, and that a restarted host works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineHostCrashed, startRuntime, type RuntimeClient } from '../../../main/engine/runtime/client.ts';
import { TEST_HOOKS_ENV } from '../../../main/engine/runtime/engine-host.ts';
import { type HostTransport, forkHost } from '../../../main/engine/runtime/transport.ts';
import { TRAIN_UPDATES, batch, evalModel, initialState, trainModel } from './linear-adam.ts';

const D = 16;
// Hosts run here, so that a core dump of an aborted host (where the system writes them to the working
// directory) is removed with it.
const dir = mkdtempSync(join(tmpdir(), 'runtime-crash-test-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** A runtime whose hosts allow the crash hook; `hosts` collects each host it starts. */
function crashableRuntime(): { runtime: RuntimeClient; hosts: HostTransport[]; crashes: EngineHostCrashed[] } {
  const hosts: HostTransport[] = [];
  const runtime = startRuntime({
    host: () => {
      const host = forkHost({ env: { ...process.env, [TEST_HOOKS_ENV]: '1' }, cwd: dir });
      hosts.push(host);
      return host;
    },
  });
  const crashes: EngineHostCrashed[] = [];
  runtime.onCrashed((crash) => crashes.push(crash));
  return { runtime, hosts, crashes };
}

async function trainSteps(runtime: RuntimeClient, steps: number): Promise<number[]> {
  await runtime.request({ kind: 'open', provider: 'cpu', state: Object.fromEntries(initialState(D)) });
  await runtime.request({
    kind: 'load',
    program: 'train',
    spec: { model: trainModel(D), updates: TRAIN_UPDATES, read: ['loss'] },
  });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++)
    losses.push((await runtime.request({ kind: 'step', program: 'train', feeds: batch(D, i) })).loss.data[0] as number);
  return losses;
}

test('a host that aborts fails the running and the waiting requests with what happened, and restart() gives a working host', async () => {
  const { runtime, crashes } = crashableRuntime();
  try {
    const before = await trainSteps(runtime, 3);
    const crash = runtime.request({ kind: 'testCrash' });
    const waiting = runtime.request({ kind: 'step', program: 'train', feeds: batch(D, 3) });
    await Promise.all([
      assert.rejects(crash, (e: Error) => {
        assert.ok(e instanceof EngineHostCrashed);
        assert.match(
          e.message,
          /^the engine host was killed by SIGABRT while running "testCrash"\. Its last output:\n/,
        );
        assert.match(e.message, /engine host: aborting on purpose \(testCrash\)/, 'quotes the host’s stderr');
        assert.deepEqual(
          [e.details.exit.signal, e.details.running, e.details.waiting],
          ['SIGABRT', 'testCrash', undefined],
        );
        return true;
      }),
      assert.rejects(
        waiting,
        /^EngineHostCrashed: the engine host was killed by SIGABRT while running "testCrash"; "step" did not run\./,
      ),
    ]);
    assert.equal(crashes.length, 1, 'one crashed event');
    assert.equal(crashes[0].details.running, 'testCrash');
    await assert.rejects(
      runtime.request({ kind: 'providers' }),
      /killed by SIGABRT while running "testCrash"; call restart\(\) to start a new one/,
    );

    await runtime.restart();
    await assert.rejects(runtime.request({ kind: 'readState' }), /no workspace is open/, 'a fresh host');
    assert.deepEqual(await trainSteps(runtime, 3), before);
    assert.equal(crashes.length, 1, 'a restart is no crash');
  } finally {
    await runtime.terminate();
  }
});

test('a host killed from outside mid-evaluation fails the evaluation at once, and restart() gives a working host', async () => {
  const { runtime, hosts, crashes } = crashableRuntime();
  try {
    await runtime.request({ kind: 'open', provider: 'cpu', state: Object.fromEntries(initialState(D)) });
    await runtime.request({ kind: 'load', program: 'eval', spec: { model: evalModel(D), read: ['loss'] } });
    let done = 0;
    const evaluation = runtime.request(
      { kind: 'evaluate', program: 'eval', batches: Array.from({ length: 20_000 }, () => batch(D, 0)) },
      {
        onProgress: () => {
          if (++done === 3) process.kill(hosts[0].pid!, 'SIGKILL');
        },
      },
    );
    await assert.rejects(
      evaluation,
      /^EngineHostCrashed: the engine host was killed by SIGKILL while running "evaluate"(\.|$)/,
    );
    assert.ok(done >= 3 && done < 20_000, `killed after ${done} batches`);
    assert.equal(crashes.length, 1);

    await runtime.restart();
    assert.equal(hosts.length, 2);
    assert.ok((await runtime.request({ kind: 'providers' })).find((p) => p.name === 'cpu')?.available);
  } finally {
    await runtime.terminate();
  }
});

test('a host that cannot start fails its requests with its own output', async () => {
  const runtime = startRuntime({ host: () => forkHost({ entry: new URL('./no-such-host.ts', import.meta.url) }) });
  try {
    await assert.rejects(runtime.request({ kind: 'providers' }), (e: Error) => {
      assert.match(
        e.message,
        /^the engine host exited with code 1 while starting; "providers" did not run\. Its last output:\n/,
      );
      assert.match(e.message, /no-such-host\.ts/);
      return true;
    });
  } finally {
    await runtime.terminate();
  }
});

test('terminate() cancels a running evaluation and stops the host; requests after it are refused', async () => {
  const runtime = startRuntime();
  await runtime.request({ kind: 'open', provider: 'cpu', state: Object.fromEntries(initialState(D)) });
  await runtime.request({ kind: 'load', program: 'eval', spec: { model: evalModel(D), read: ['loss'] } });
  let done = 0;
  const evaluation = runtime.request(
    { kind: 'evaluate', program: 'eval', batches: Array.from({ length: 20_000 }, () => batch(D, 0)) },
    { onProgress: (p) => (done = p.done) },
  );
  const cancelled = assert.rejects(evaluation, (e: Error) => e.name === 'AbortError');
  while (done === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  await runtime.terminate();
  await cancelled;
  assert.ok(done < 20_000, `stopped after ${done} batches`);
  await assert.rejects(runtime.request({ kind: 'providers' }), /the engine host was terminated/);
});

/** Whether the process runs: gone, or a zombie that nobody has reaped yet (it has exited all the same). */
function running(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  return existsSync(stat) && readFileSync(stat, 'utf8').split(') ')[1]?.[0] !== 'Z';
}

test(
  'a host exits when its caller dies without stopping it, even mid-evaluation',
  { skip: process.platform !== 'linux' && 'reads /proc' },
  async () => {
    const module = (path: string) => JSON.stringify(new URL(path, import.meta.url).href);
    // A caller that starts a long evaluation and says so once the first batch is done.
    const caller = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `
    const { forkHost } = await import(${module('../../../main/engine/runtime/transport.ts')});
    const { startRuntime } = await import(${module('../../../main/engine/runtime/client.ts')});
    const { batch, evalModel, initialState } = await import(${module('./linear-adam.ts')});
    const runtime = startRuntime({ host: () => { const h = forkHost(); console.log(h.pid); return h; } });
    await runtime.request({ kind: 'open', provider: 'cpu', state: Object.fromEntries(initialState(${D})) });
    await runtime.request({ kind: 'load', program: 'eval', spec: { model: evalModel(${D}), read: ['loss'] } });
    const batches = Array.from({ length: 20_000 }, () => batch(${D}, 0));
    runtime.request({ kind: 'evaluate', program: 'eval', batches }, { onProgress: (p) => p.done === 1 && console.log('evaluating') });`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    caller.stdout.setEncoding('utf8');
    while (!out.includes('evaluating')) out += (await once(caller.stdout, 'data'))[0];
    const host = Number(out.split('\n')[0]);
    assert.ok(running(host), 'the host runs');
    caller.kill('SIGKILL');
    await once(caller, 'exit');
    for (let i = 0; i < 200 && running(host); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    assert.ok(!running(host), `the host ${host} still runs 5 s after its caller died`);
  },
);
