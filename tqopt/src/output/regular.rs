//! Writing a regular file so that a failure never leaves it half-written, and a success keeps
//! what the user set up around it.
//!
//! The output is first written whole to a temporary file `.NAME.tqopt-PID.tmp` beside the
//! target (registered with [`super::cleanup`], so errors and SIGINT/SIGTERM/SIGHUP remove it).
//! Then it is committed in one of two ways:
//!
//! - **Replace** (the usual case): the temporary file takes the old file's owner, group and
//!   mode (a new file keeps the mode the umask gives), is synced, and renamed over the target.
//!   Readers see the old file or the new one, never a mix.
//! - **In place**, when renaming would break what the user set up: the target has other hard
//!   links (a rename would detach this name from them), its owner cannot be given to a new
//!   file (we are not root and do not own it), or its folder is not writable. The finished
//!   temporary file is copied over the target's bytes, the target is cut to the new length
//!   and synced. Trade-off: an error or a signal during that copy (not during the long
//!   compilation and encoding before it) leaves the target damaged; the inode, links, owner,
//!   mode, ACLs and extended attributes are all kept. Writing over old bytes before cutting
//!   means a file that does not grow needs no new disk blocks, so `ENOSPC` cannot strike
//!   mid-copy there.
//!
//! ACLs and extended attributes are not copied on the replace path.

use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::cleanup::TempFile;

/// Writes `produce`'s bytes to the regular file `path`; `existing` is its status when it
/// exists (after following links).
pub fn write(
    path: &Path,
    existing: Option<&Metadata>,
    produce: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let mut in_place = existing.is_some_and(|m| m.nlink() > 1);
    let (temp, mut file) = match create_temp(&temp_path_in(folder_of(path), path), existing) {
        Ok(created) => created,
        // A file we may write in a folder we may not: stage elsewhere, then copy in place.
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied && existing.is_some() => {
            in_place = true;
            create_temp(&temp_path_in(&std::env::temp_dir(), path), existing)?
        }
        Err(e) => return Err(e),
    };

    let mut w = BufWriter::with_capacity(1 << 16, &mut file);
    produce(&mut w)?;
    w.flush()?;
    drop(w);

    if let (Some(meta), false) = (existing, in_place) {
        if !take_owner_and_mode(&file, meta)? {
            in_place = true;
        }
    }
    if in_place {
        copy_over(&mut file, path)?;
        drop(temp); // removes the temporary file
        return Ok(());
    }
    file.sync_all()?;
    fs::rename(temp.path(), path)?;
    temp.disarm();
    Ok(())
}

fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// `.NAME.tqopt-PID.tmp` in `folder`.
fn temp_path_in(folder: &Path, target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    folder.join(format!(".{name}.tqopt-{}.tmp", std::process::id()))
}

/// Creates the temporary file, registered for removal. It replaces an existing file, it is
/// private (0600) until it gets that file's mode; a new file gets 0666 less the umask.
fn create_temp(path: &Path, existing: Option<&Metadata>) -> io::Result<(TempFile, File)> {
    let temp = TempFile::register(path.to_path_buf());
    // A leftover of an earlier run with the same pid (after a SIGKILL) is ours to replace.
    let _ = fs::remove_file(path);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(if existing.is_some() { 0o600 } else { 0o666 })
        .open(path)?;
    Ok((temp, file))
}

/// Gives the temporary file the owner, group and mode of `meta`. Returns false when the
/// owner cannot be given (not root): the caller then writes in place instead.
fn take_owner_and_mode(file: &File, meta: &Metadata) -> io::Result<bool> {
    let mine = file.metadata()?;
    if (mine.uid(), mine.gid()) != (meta.uid(), meta.gid()) {
        if let Err(e) = std::os::unix::fs::fchown(file, Some(meta.uid()), Some(meta.gid())) {
            if e.kind() == io::ErrorKind::PermissionDenied {
                return Ok(false);
            }
            return Err(e);
        }
    }
    // After chown, which clears set-user-ID and set-group-ID bits.
    file.set_permissions(fs::Permissions::from_mode(meta.mode() & 0o7777))?;
    Ok(true)
}

/// Copies the finished temporary file over `path`'s bytes, then cuts it to length.
fn copy_over(temp: &mut File, path: &Path) -> io::Result<()> {
    let len = temp.seek(SeekFrom::End(0))?;
    temp.seek(SeekFrom::Start(0))?;
    let mut target = OpenOptions::new().write(true).open(path)?;
    io::copy(temp, &mut target)?;
    target.set_len(len)?;
    target.sync_all()
}
