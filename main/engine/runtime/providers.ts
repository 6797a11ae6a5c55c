// Which onnxruntime execution provider runs the engine. `auto` prefers CUDA, then WebGPU, then CPU, and every
// choice comes with the reason it was made and why each better provider was skipped (the GUI shows both).
// A provider counts as available only once a tiny session has been created AND run on it.
import * as ort from 'onnxruntime-node';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { encodeModel, valueInfo } from './onnx-model.ts';
import { ensureXdgRuntimeDir } from './xdg-runtime-dir.ts';
import {
  isGpuProvider,
  PROVIDER_PREFERENCE,
  pickProvider,
  type ProviderName,
  type ProviderRequest,
  type ProviderStatus,
  type ProviderChoice,
} from './provider-choice.ts';
import { errorMessage } from '../../../shared/error-message.ts';

export {
  isGpuProvider,
  PROVIDER_PREFERENCE,
  type ProviderChoice,
  type ProviderName,
  type ProviderRequest,
  type ProviderStatus,
} from './provider-choice.ts';

/** The ORT session options that select a provider. */
export function executionProviders(name: ProviderName): string[] {
  return [name];
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
        `the CUDA provider is not installed (missing ${missing.join(', ')}); fetch it with ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js`,
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
        reason:
          'a test session ran on webgpu, but with no GPU device (/dev/dri/renderD*, /dev/nvidia0) it runs on a software Vulkan driver',
      };
    }
    return { name, available: true, emulated: false, reason: `a test session ran on ${name}` };
  } catch (e) {
    return unavailable(`creating a ${name} session failed: ${errorMessage(e).split('\n')[0]}`);
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
  // Only the provider asked for is probed: a CPU run never starts a GPU adapter (nor prints its warnings).
  if (request !== 'auto')
    return pickProvider(PROVIDER_PREFERENCE.includes(request) ? [await statusOf(request)] : [], request);
  // In order of preference, probing no further than the first that works. Without a GPU device WebGPU could only
  // be emulated, which auto passes over anyway, so it is not even probed (no adapter, no driver warnings).
  const all: ProviderStatus[] = [];
  for (const name of PROVIDER_PREFERENCE) {
    const status: ProviderStatus =
      name === 'webgpu' && linuxHasNoGpuDevice() && !probed.has(name)
        ? {
            name,
            available: false,
            emulated: true,
            reason:
              'there is no GPU device (/dev/dri/renderD*, /dev/nvidia0), so webgpu could only run on a software driver',
          }
        : await statusOf(name);
    all.push(status);
    if (status.available && !status.emulated) break;
  }
  return pickProvider(all, request);
}
