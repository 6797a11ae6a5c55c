// Whether the data folder is on a network drive. SQLite's WAL needs memory shared between the processes
// that open the database, which machines on a network drive do not share: there the store must use a
// rollback journal (https://www.sqlite.org/wal.html, "WAL does not work over a network filesystem").
import { statfsSync } from 'node:fs';

/** Linux statfs magic numbers of network and FUSE file systems (linux/magic.h and the file systems' own). */
const NETWORK_FILE_SYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x6969, 'NFS'],
  [0x517b, 'SMB'],
  [0xff534d42, 'CIFS'],
  [0xfe534d42, 'SMB2'],
  [0x65735546, 'FUSE (sshfs and the like)'],
  [0x01021997, '9P'],
  [0x00c36400, 'Ceph'],
  [0x5346414f, 'AFS'],
  [0x6b414653, 'AFS'],
  [0x47504653, 'GPFS'],
  [0x0bd00bd0, 'Lustre'],
]);

/** The network file system `dir` is on, or null for a local one (or one that cannot be told). */
export function networkFileSystem(dir: string, platform: NodeJS.Platform = process.platform): string | null {
  // Windows reports no file-system type; a UNC path is a share. A mapped drive letter cannot be told apart.
  if (platform === 'win32') return /^(\\\\|\/\/)[^\\/]/.test(dir) ? 'Windows share' : null;
  if (platform !== 'linux') return null;
  return NETWORK_FILE_SYSTEMS.get(statfsSync(dir).type) ?? null;
}
