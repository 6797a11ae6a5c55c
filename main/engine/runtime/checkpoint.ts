// A checkpoint is one safetensors file: every state tensor of a workspace (parameters, optimizer moments, step
// counters) plus a JSON record of what lives outside the graph (step, data-order RNG state, schedule position…).
// Written atomically, so a crash mid-save leaves the previous checkpoint intact, and with its sha256 inside, so a
// file damaged since (a disk fault, a bad copy) is refused by name instead of resuming from wrong numbers.
import type { Tensor } from '../../tensors/tensor.ts';
import { checksumMatches, damagedFileError, readSafetensors, writeSafetensors } from '../../tensors/safetensors.ts';
import type { Workspace } from './workspace.ts';
import { errorMessage } from '../../../shared/error-message.ts';

const FORMAT = 'taughtnet-checkpoint/1';

/** What the trainer needs to resume exactly; `step` is required, anything else JSON-serialisable may ride along. */
export interface CheckpointMeta {
  readonly step: number;
  readonly [key: string]: unknown;
}

/** Saves the workspace's whole state and `meta` to `path` (atomically). */
export async function saveCheckpoint(path: string, workspace: Workspace, meta: CheckpointMeta): Promise<void> {
  if (!Number.isSafeInteger(meta.step) || meta.step < 0)
    throw new Error(`checkpoint step must be a non-negative integer, got ${meta.step}`);
  await workspace.withState((state) =>
    writeSafetensors(path, state, { format: FORMAT, meta: JSON.stringify(meta) }, { checksum: true }),
  );
}

/** Reads a checkpoint's state tensors and meta; errors name the file and what is wrong (a DAMAGED_FILE error when damaged). */
export async function readCheckpoint(path: string): Promise<{ state: Map<string, Tensor>; meta: CheckpointMeta }> {
  if ((await checksumMatches(path)) === false) throw damagedFileError(path, '; it cannot be resumed from');
  const { metadata, tensors } = await readSafetensors(path);
  if (metadata.format !== FORMAT) {
    throw new Error(
      `${path}: not a TaughtNet checkpoint (format "${metadata.format ?? 'missing'}", expected "${FORMAT}")`,
    );
  }
  let meta: unknown;
  try {
    meta = JSON.parse(metadata.meta ?? '');
  } catch {
    throw new Error(`${path}: the checkpoint's meta record is not valid JSON`);
  }
  const step = (meta as { step?: unknown } | null)?.step;
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) {
    throw new Error(`${path}: the checkpoint's meta record has no valid step`);
  }
  return { state: tensors, meta: meta as CheckpointMeta };
}

/** Loads a checkpoint into the workspace; the checkpoint must hold exactly the workspace's state. Returns its meta. */
export async function restoreCheckpoint(path: string, workspace: Workspace): Promise<CheckpointMeta> {
  const { state, meta } = await readCheckpoint(path);
  const missing = workspace.stateNames.filter((n) => !state.has(n));
  const extra = [...state.keys()].filter((n) => !workspace.stateNames.includes(n));
  if (missing.length > 0 || extra.length > 0) {
    throw new Error(
      `${path}: the checkpoint does not match the model` +
        (missing.length ? `; missing ${missing.join(', ')}` : '') +
        (extra.length ? `; unexpected ${extra.join(', ')}` : ''),
    );
  }
  try {
    await workspace.writeState(state);
  } catch (e) {
    throw new Error(`${path}: ${errorMessage(e)}`, { cause: e });
  }
  return meta;
}
