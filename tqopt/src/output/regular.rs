//! Writing a regular file so that a failure never leaves it half-written, and a success keeps
//! what the user set up around it.
//!
//! The output is first written whole to a temporary file beside the target. Where the file
//! system allows (Linux `O_TMPFILE`), that file has no name while it is written, so nothing
//! is left behind even by SIGKILL or the OOM killer; it gets the name `.NAME.tqopt-PID.tmp`
//! only for the moment between linking and renaming it. Elsewhere it is a named file from the
//! start. A name is always registered with [`super::cleanup`], so errors and
//! SIGINT/SIGTERM/SIGHUP remove it. Then the output is committed in one of two ways:
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
//!
//! `TQOPT_NAMED_TEMPORARIES=1` in the environment forces named temporary files (the path
//! taken on file systems without `O_TMPFILE`), so tests can exercise it.

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
    let mut staged = match Staged::create(folder_of(path), path, existing) {
        Ok(staged) => staged,
        // A file we may write in a folder we may not: stage elsewhere, then copy in place.
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied && existing.is_some() => {
            in_place = true;
            Staged::create(&std::env::temp_dir(), path, existing)?
        }
        Err(e) => return Err(e),
    };

    let mut w = BufWriter::with_capacity(1 << 16, &mut staged.file);
    produce(&mut w)?;
    w.flush()?;
    drop(w);

    if let (Some(meta), false) = (existing, in_place) {
        if !take_owner_and_mode(&staged.file, meta)? {
            in_place = true;
        }
    }
    if in_place {
        // Dropping `staged` afterwards removes the temporary file.
        return copy_over(&mut staged.file, path);
    }
    staged.file.sync_all()?;
    let temp = staged.into_named(folder_of(path), path)?;
    fs::rename(temp.path(), path)?;
    temp.disarm();
    Ok(())
}

/// The temporary file being written: unnamed (`O_TMPFILE`) or named and registered.
struct Staged {
    file: File,
    name: Option<TempFile>,
}

impl Staged {
    /// A temporary file in `folder` for `target`. It replaces an existing file, it is private
    /// (0600) until it gets that file's mode; a new file gets 0666 less the umask.
    fn create(folder: &Path, target: &Path, existing: Option<&Metadata>) -> io::Result<Staged> {
        let mode = if existing.is_some() { 0o600 } else { 0o666 };
        if std::env::var_os("TQOPT_NAMED_TEMPORARIES").is_none() {
            let unnamed = OpenOptions::new()
                .read(true)
                .write(true)
                .custom_flags(libc::O_TMPFILE)
                .mode(mode)
                .open(folder);
            // Any failure (a file system without O_TMPFILE, an old kernel): a named file.
            if let Ok(file) = unnamed {
                return Ok(Staged { file, name: None });
            }
        }
        let (name, file) = create_named(&temp_path_in(folder, target), mode)?;
        Ok(Staged {
            file,
            name: Some(name),
        })
    }

    /// The staged file under a registered name in `folder`, ready to be renamed.
    fn into_named(self, folder: &Path, target: &Path) -> io::Result<TempFile> {
        if let Some(name) = self.name {
            return Ok(name);
        }
        let path = temp_path_in(folder, target);
        let name = TempFile::register(path.clone());
        let _ = fs::remove_file(&path);
        if link_unnamed(&self.file, &path).is_ok() {
            return Ok(name);
        }
        // No way to link it (no /proc): copy it into a named file.
        drop(name);
        let mode = self.file.metadata()?.permissions().mode() & 0o7777;
        let (name, mut named) = create_named(&path, 0o600)?;
        let mut file = self.file;
        file.seek(SeekFrom::Start(0))?;
        io::copy(&mut file, &mut named)?;
        let meta = file.metadata()?;
        std::os::unix::fs::fchown(&named, Some(meta.uid()), Some(meta.gid()))?;
        named.set_permissions(fs::Permissions::from_mode(mode))?;
        named.sync_all()?;
        Ok(name)
    }
}

/// Gives the unnamed file `file` the name `path` through its /proc/self/fd link.
fn link_unnamed(file: &File, path: &Path) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    use std::os::unix::ffi::OsStrExt;
    let from = std::ffi::CString::new(format!("/proc/self/fd/{}", file.as_raw_fd()))?;
    let to = std::ffi::CString::new(path.as_os_str().as_bytes())?;
    // SAFETY: both are valid NUL-terminated paths.
    let r = unsafe {
        libc::linkat(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            libc::AT_SYMLINK_FOLLOW,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
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

/// Creates the named temporary file `path`, registered for removal.
fn create_named(path: &Path, mode: u32) -> io::Result<(TempFile, File)> {
    let temp = TempFile::register(path.to_path_buf());
    // A leftover of an earlier run with the same pid (after a SIGKILL) is ours to replace.
    let _ = fs::remove_file(path);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(mode)
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
