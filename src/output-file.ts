// How every file a run writes is opened: a report, a cookie jar, a body (-o), merged results.
// A regular file (or a new one) is written beside its target and renamed over it only when it is
// whole, keeping the mode, and the owner where we may, of the file it replaces (a 0600 cookie jar
// stays 0600); a new file that holds secrets is created 0600. A target that is not a regular
// file — a device, a FIFO, /dev/stdout, /proc/self/fd/N — is written in place, as curl does:
// renaming over it would turn `/dev/null` into a regular file.
import {
  chownSync,
  closeSync,
  fchmodSync,
  openSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  type Stats,
  writeSync,
} from 'node:fs'

export type OutputFile = {
  /** The descriptor to write to. */
  readonly fd: number
  /** The written file takes its target's place (or, in place, is closed). */
  commit(): void
  /**
   * Nothing is left of what was written (in place: closed as it is). `fdClosed`: the descriptor was
   * closed already (a write stream destroyed over it): it is not closed again, for by now its
   * number may belong to another file or socket.
   */
  discard(options?: { readonly fdClosed?: boolean }): void
}

export type OutputOptions = {
  /** A new file is readable by its owner only. */
  readonly secret?: boolean
}

export function openOutput(path: string, options: OutputOptions = {}): OutputFile {
  const existing = statOf(path)
  if (existing && !existing.isFile()) {
    // In place: O_TRUNC means nothing to a device or a FIFO, and keeps a regular file behind a
    // /proc/self/fd link whole up to what is written.
    const fd = openSync(path, 'w')
    let open = true // closed once: a second close could close a descriptor since reused elsewhere
    const close = (quietly: boolean) => {
      if (!open) return
      open = false
      if (quietly) closeQuietly(fd)
      else closeSync(fd)
    }
    return {
      fd,
      commit: () => close(false),
      discard: (options) => {
        if (options?.fdClosed) open = false
        else close(true)
      },
    }
  }
  // Through a symbolic link, the file it names is replaced and the link kept.
  const target = existing ? realpathSync(path) : path
  const temporary = `${target}.${process.pid}.tmp`
  const fd = openSync(temporary, 'w', existing ? 0o600 : options.secret ? 0o600 : 0o666)
  try {
    if (existing) {
      fchmodSync(fd, existing.mode & 0o7777)
      if (process.getuid?.() === 0) chownSync(temporary, existing.uid, existing.gid)
    }
  } catch (error) {
    closeQuietly(fd)
    rmQuietly(temporary)
    throw error
  }
  let open = true
  return {
    fd,
    commit: () => {
      if (open) closeSync(fd)
      open = false
      try {
        renameSync(temporary, target)
      } catch (error) {
        rmQuietly(temporary)
        throw error
      }
    },
    discard: (options) => {
      if (open && !options?.fdClosed) closeQuietly(fd)
      open = false
      rmQuietly(temporary)
    },
  }
}

/** A whole text to a file, by the rules above. */
export function writeOutput(path: string, data: string | Uint8Array, options: OutputOptions = {}): void {
  const output = openOutput(path, options)
  try {
    writeAll(output.fd, data)
  } catch (error) {
    output.discard()
    throw error
  }
  output.commit()
}

function writeAll(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data
  for (let offset = 0; offset < bytes.length;) offset += writeSync(fd, bytes, offset, bytes.length - offset)
}

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path)
  } catch {
    return undefined
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd)
  } catch {
    /* already closed */
  }
}

export function rmQuietly(path: string): void {
  try {
    rmSync(path, { force: true })
  } catch {
    /* the folder itself is unusable: nothing was written */
  }
}
