// Which provider a request gets, from providers already probed: pure, so that a process that only asks an engine
// host which providers work (the Electron main process, for the About page) never loads onnxruntime itself.

export type ProviderName = 'cuda' | 'webgpu' | 'cpu';
export type ProviderRequest = 'auto' | ProviderName;
export const PROVIDER_PREFERENCE: readonly ProviderName[] = ['cuda', 'webgpu', 'cpu'];

/** GPU providers keep state on the device between steps (see program.ts); CPU state lives in JS memory. */
export function isGpuProvider(name: ProviderName): boolean {
  return name !== 'cpu';
}

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

/** chooseProvider's choice among providers already probed (by an engine host, say). */
export function pickProvider(all: readonly ProviderStatus[], request: ProviderRequest): ProviderChoice {
  if (request !== 'auto') {
    const status = all.find((s) => s.name === request);
    if (!status) throw new Error(`unknown provider "${request}"; expected auto, ${PROVIDER_PREFERENCE.join(', ')}`);
    if (!status.available)
      throw new Error(`the ${request} provider was requested but cannot be used: ${status.reason}`);
    return { name: request, request, reason: `${request} was requested and ${status.reason}`, skipped: [] };
  }
  // An emulated GPU is slower than the CPU provider itself, so `auto` passes over it.
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
    skipped: all
      .slice(0, index)
      .map((s) => (s.emulated ? { ...s, reason: `${s.reason}, slower than the CPU provider` } : s)),
  };
}
