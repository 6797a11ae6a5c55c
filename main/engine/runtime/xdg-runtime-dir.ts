// A folder Dawn (ONNX Runtime's WebGPU) needs on Linux. Apart from providers.ts so that starting an engine host
// (transport.ts) does not load onnxruntime into the process that starts it.
import { tempFolder } from '../../files/temp-folder.ts';

/**
 * Dawn's Vulkan backend (lavapipe on CPU-only machines) wants XDG_RUNTIME_DIR. Called before the first WebGPU
 * session, and by forkHost() before it starts a host, so that the hosts inherit one folder.
 */
export function ensureXdgRuntimeDir(): void {
  if (process.platform !== 'linux' || process.env.XDG_RUNTIME_DIR) return;
  process.env.XDG_RUNTIME_DIR = tempFolder('taughtnet-xdg-');
}
