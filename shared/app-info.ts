// What the About page and `taughtnet info` show: versions, folders, and which ONNX Runtime providers work here.

export interface ProviderInfo {
  name: 'cuda' | 'webgpu' | 'cpu';
  available: boolean;
  /** Runs, but on the CPU through a software driver: slower than the CPU provider. */
  emulated: boolean;
  /** Why it is unavailable, or what was checked when it is available. */
  reason: string;
}

export interface AppInfo {
  name: string;
  version: string;
  versions: { node: string; v8: string; onnxruntime: string; electron: string | null; chrome: string | null };
  platform: string;
  arch: string;
  /** Where the experiment store (database and files) lives. */
  dataFolder: string;
  /** Set when the data folder is on a network drive: what that changes. */
  dataFolderNote: string | null;
  /** Where the shipped corpora and vocabulary live. */
  resourcesFolder: string;
  /** This computer's memory in MB (10⁶ bytes): the wizard fits training steps to it. */
  memoryMB: number;
  /** ONNX Runtime execution providers, best first, each with whether it works here and why. */
  providers: ProviderInfo[];
  /** The provider training uses when left to choose ('auto'), and why; name null when none works. */
  autoProvider: { name: ProviderInfo['name'] | null; reason: string };
}
