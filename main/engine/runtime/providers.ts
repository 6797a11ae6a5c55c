// Which onnxruntime execution provider runs the engine. `auto` prefers CUDA, then WebGPU, then CPU, and every
// choice comes with the reason it was made and why each better provider was skipped (the GUI shows both).
// A provider counts as available only once a tiny session has been created AND run on it.
import * as ort from 'onnxruntime-node';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { encodeModel, valueInfo } from './onnx-model.ts';

export type ProviderName = 'cuda' | 'webgpu' | 'cpu';
export type ProviderRequest = 'auto' | ProviderName;
export const PROVIDER_PREFERENCE: readonly ProviderName[] = ['cuda', 'webgpu', 'cpu'];

export interface ProviderStatus {
  readonly name: ProviderName;
  readonly available: boolean;
  /** Runs, but on the CPU through a software driver (WebGPU on Mesa lavapipe): slower than the CPU provider. */
  readonly emulated: boolean;
  /** Why it is unavailable, or what was checked when it is available. */
  readonly reason: string;
}

export interface ProviderChoice {
  readonly name: ProviderName;
  readonly request: ProviderRequest;
  /** One sentence: why this provider runs the engine. */
  readonly reason: string;
  /** The providers preferred over the chosen one, each with why it was not used. */
  readonly skipped: readonly ProviderStatus[];
}

/** GPU providers keep state on the device between steps (see program.ts); CPU state lives in JS memory. */
export function isGpuProvider(name: ProviderName): boolean {
  return name !== 'cpu';
}

/** The ORT session options that select a provider. */
export function executionProviders(name: ProviderName): string[] {
  return [name];
}

/**
 * Dawn's Vulkan backend (lavapipe on CPU-only machines) wants XDG_RUNTIME_DIR. Called before the first WebGPU
 * session, and by forkHost() before it starts a host, so that the hosts inherit one folder.
 */
export function ensureXdgRuntimeDir(): void {
  if (process.platform !== 'linux' || process.env.XDG_RUNTIME_DIR) return;
  process.env.XDG_RUNTIME_DIR = mkdtempSync(join(tmpdir(), 'taughtnet-xdg-'));
}

/** The CUDA EP is not bundled with onnxruntime-node: its libraries must sit next to the native binding. */
function cudaLibrariesMissing(): string[] {
  const binding = createRequire(import.meta.url).resolve('onnxruntime-node');
  const bin = join(dirname(binding), '..', 'bin', 'napi-v6', process.platform, process.arch);
  const names =
    process.platform === 'win32'
      ? ['onnxruntime_providers_cuda.dll', 'onnxruntime_providers_shared.dll']
      : ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so'];
  return names.filter((n) => !existsSync(join(bin, n))).map((n) => join(bin, n));
}

/**
 * On Linux a hardware GPU shows up as a DRM render node or an NVIDIA device; without one, WebGPU can only be
 * running on lavapipe (Vulkan on the CPU).
 */
function linuxHasNoGpuDevice(): boolean {
  if (process.platform !== 'linux') return false;
  const renderNodes = existsSync('/dev/dri') && readdirSync('/dev/dri').some((n) => n.startsWith('renderD'));
  return !renderNodes && !existsSync('/dev/nvidia0');
}

/** y = x + x and its copy z: y stays on the device and is fed back, z is read, as the workspace does with state. */
const probeModel = encodeModel({
  name: 'provider-probe',
  node: [
    { opType: 'Add', input: ['x', 'x'], output: ['y'] },
    { opType: 'Identity', input: ['y'], output: ['z'] },
  ],
  input: [valueInfo('x', 'float32', [2])],
  output: [valueInfo('y', 'float32', [2]), valueInfo('z', 'float32', [2])],
});

/** Two chained runs: 1,2 → 2,4 → 4,8, the second fed with the first's output where it was left (the device on GPUs). */
async function probeRuns(session: ort.InferenceSession): Promise<boolean> {
  const first = await session.run({ x: new ort.Tensor('float32', new Float32Array([1, 2]), [2]) });
  const second = await session.run({ x: first.y as ort.Tensor });
  const ok = [...(first.z.data as Float32Array), ...(second.z.data as Float32Array)].join() === '2,4,4,8';
  for (const out of [first.y, second.y] as ort.Tensor[]) if (out.location === 'gpu-buffer') out.dispose();
  return ok;
}

async function probe(name: ProviderName): Promise<ProviderStatus> {
  const backend = ort.listSupportedBackends().find((b) => b.name === name);
  const unavailable = (reason: string): ProviderStatus => ({ name, available: false, emulated: false, reason });
  if (!backend) return unavailable(`this onnxruntime-node build has no ${name} provider`);
  if (name === 'cuda') {
    const missing = cudaLibrariesMissing();
    if (missing.length > 0) {
      return unavailable(
        `the CUDA provider is not installed (missing ${missing.join(', ')}); install onnxruntime-node with --onnxruntime-node-install=cuda12`,
      );
    }
  }
  if (name === 'webgpu') ensureXdgRuntimeDir();
  let session: ort.InferenceSession | undefined;
  try {
    session = await ort.InferenceSession.create(probeModel, {
      executionProviders: executionProviders(name),
      ...(isGpuProvider(name) ? { preferredOutputLocation: { y: 'gpu-buffer', z: 'cpu' } } : {}),
    });
    if (!(await probeRuns(session))) return unavailable(`a test run on ${name} gave wrong values`);
    if (name === 'webgpu' && linuxHasNoGpuDevice()) {
      return {
        name,
        available: true,
        emulated: true,
        reason: 'a test session ran on webgpu, but with no GPU device (/dev/dri/renderD*, /dev/nvidia0) it runs on a software Vulkan driver',
      };
    }
    return { name, available: true, emulated: false, reason: `a test session ran on ${name}` };
  } catch (e) {
    return unavailable(`creating a ${name} session failed: ${(e as Error).message.split('\n')[0]}`);
  } finally {
    await session?.release();
  }
}

const probed = new Map<ProviderName, Promise<ProviderStatus>>();

/** One provider's status, probed once per process. */
function statusOf(name: ProviderName): Promise<ProviderStatus> {
  if (!probed.has(name)) probed.set(name, probe(name));
  return probed.get(name)!;
}

/** Every provider with whether it works here and why (probed once per process, then cached). */
export async function listProviders(): Promise<ProviderStatus[]> {
  const out: ProviderStatus[] = [];
  for (const name of PROVIDER_PREFERENCE) out.push(await statusOf(name)); // one at a time: probes load native libraries
  return out;
}

/** Picks the provider for a request; an explicit request that cannot be honoured throws with the reason. */
export async function chooseProvider(request: ProviderRequest = 'auto'): Promise<ProviderChoice> {
  if (request !== 'auto') {
    // Only the provider asked for is probed: a CPU run never starts a GPU adapter (nor prints its warnings).
    if (!PROVIDER_PREFERENCE.includes(request)) throw new Error(`unknown provider "${request}"; expected auto, ${PROVIDER_PREFERENCE.join(', ')}`);
    const status = await statusOf(request);
    if (!status.available) throw new Error(`the ${request} provider was requested but cannot be used: ${status.reason}`);
    return { name: request, request, reason: `${request} was requested and ${status.reason}`, skipped: [] };
  }
  // In order of preference, probing no further than the first that works. An emulated GPU is slower than the CPU
  // provider itself, so `auto` passes over it; without a GPU device WebGPU could only be emulated, so it is not
  // even probed (no adapter started, no driver warnings on a CPU-only machine).
  const all: ProviderStatus[] = [];
  for (const name of PROVIDER_PREFERENCE) {
    const status: ProviderStatus =
      name === 'webgpu' && linuxHasNoGpuDevice() && !probed.has(name)
        ? { name, available: false, emulated: true, reason: 'there is no GPU device (/dev/dri/renderD*, /dev/nvidia0), so webgpu could only run on a software driver' }
        : await statusOf(name);
    all.push(status);
    if (status.available && !status.emulated) break;
  }
  const index = all.findIndex((s) => s.available && !s.emulated);
  if (index < 0) throw new Error(`no execution provider works: ${all.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
  const chosen = all[index];
  return {
    name: chosen.name,
    request,
    reason:
      index === 0
        ? `${chosen.name} is the fastest provider and ${chosen.reason}`
        : `${chosen.name} is the best provider that works here (${chosen.reason})`,
    skipped: all.slice(0, index).map((s) => (s.emulated ? { ...s, reason: `${s.reason}, slower than the CPU provider` } : s)),
  };
}
