//! What an output path names, decided before anything is written: standard output, a stream
//! (character device, FIFO, socket) written directly, an existing regular file, or a new file.
//! Symbolic links are followed to the file they finally name, so that file is written and the
//! links stay links.

use std::fs::{self, Metadata};
use std::io;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

/// Linux's limit on links followed in one lookup (`MAXSYMLINKS`).
const MAX_LINKS: usize = 40;

/// Where an output goes.
#[derive(Debug)]
pub enum Target {
    /// `-` or `/dev/stdout`.
    Stdout,
    /// A character device, FIFO or (with `socket`) a Unix socket: written directly at `path`,
    /// never created or replaced.
    Stream { path: PathBuf, socket: bool },
    /// An existing regular file; `path` is its name after following symbolic links and `meta`
    /// its status (mode, owner, link count).
    Regular { path: PathBuf, meta: Metadata },
    /// No file exists yet at `path` (the target of a dangling symbolic link, or the path given).
    New { path: PathBuf },
}

/// Classifies `path`; refuses directories and block devices.
pub fn resolve(path: &str) -> Result<Target, String> {
    if path == "-" || path == "/dev/stdout" {
        return Ok(Target::Stdout);
    }
    // The kernel follows every link (including /proc's magic ones) to say what is there.
    match fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(Target::Regular {
            path: follow_links(Path::new(path)).map_err(|e| cannot(path, e))?,
            meta,
        }),
        Ok(meta) => {
            let ty = meta.file_type();
            if ty.is_char_device() || ty.is_fifo() || ty.is_socket() {
                Ok(Target::Stream {
                    path: path.into(),
                    socket: ty.is_socket(),
                })
            } else if ty.is_dir() {
                Err(format!("cannot write '{path}': it is a directory"))
            } else if ty.is_block_device() {
                Err(format!(
                    "cannot write '{path}': it is a block device, and tqopt does not write to block devices"
                ))
            } else {
                Err(format!(
                    "cannot write '{path}': not a regular file, device, FIFO or socket"
                ))
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Target::New {
            path: follow_links(Path::new(path)).map_err(|e| cannot(path, e))?,
        }),
        Err(e) => Err(cannot(path, e)),
    }
}

fn cannot(path: &str, e: io::Error) -> String {
    format!("cannot write '{path}': {e}")
}

/// The path `path` names after following symbolic links in its last component, one by one,
/// so that a dangling link yields the path it points to.
fn follow_links(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = fs::read_link(&current)?;
                current = if link.is_absolute() {
                    link
                } else {
                    current.parent().unwrap_or(Path::new("")).join(link)
                };
            }
            Ok(_) => return Ok(current),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(current),
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn follows_relative_and_dangling_links() {
        let dir = std::env::temp_dir().join(format!("tqopt-target-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("sub")).unwrap();
        fs::write(dir.join("sub/real"), b"x").unwrap();
        symlink("sub/real", dir.join("a")).unwrap();
        symlink("a", dir.join("b")).unwrap();
        symlink("nowhere/../gone", dir.join("sub/dangling")).unwrap();
        assert_eq!(follow_links(&dir.join("b")).unwrap(), dir.join("sub/real"));
        assert_eq!(
            follow_links(&dir.join("sub/dangling")).unwrap(),
            dir.join("sub/nowhere/../gone")
        );
        symlink("loop2", dir.join("loop1")).unwrap();
        symlink("loop1", dir.join("loop2")).unwrap();
        assert!(follow_links(&dir.join("loop1")).is_err());
        assert!(matches!(
            resolve(dir.join("b").to_str().unwrap()),
            Ok(Target::Regular { .. })
        ));
        assert!(resolve(dir.to_str().unwrap()).is_err());
        let fifo = dir.join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        symlink("fifo", dir.join("to-fifo")).unwrap();
        assert!(matches!(
            resolve(dir.join("to-fifo").to_str().unwrap()),
            Ok(Target::Stream { socket: false, .. })
        ));
        fs::remove_dir_all(&dir).unwrap();
    }
}
