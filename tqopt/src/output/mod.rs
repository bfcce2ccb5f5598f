//! Writing results without harming the user's files.
//!
//! - `-` (and `/dev/stdout`): standard output.
//! - Character devices, FIFOs and Unix sockets: written directly; never created, replaced or
//!   turned into regular files (`-o /dev/null` leaves /dev/null a device).
//! - Regular files, new or existing, through a symbolic link or not: written whole to a
//!   temporary file first, then committed keeping mode, owner, group and links ([`regular`]).
//! - Directories and block devices: refused.
//!
//! A failure (an error while producing or writing, `EFBIG`, `ENOSPC`, SIGINT/SIGTERM/SIGHUP)
//! leaves no temporary file and, for a regular file, the old contents intact.

mod cleanup;
mod regular;
mod target;

use std::io::{self, Write};
use std::os::unix::net::UnixStream;

pub use target::{resolve, Target};

/// Writes to `path` what `produce` writes.
pub fn write_output(
    path: &str,
    produce: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), String> {
    cleanup::install();
    match resolve(path)? {
        Target::Stdout => {
            let stdout = io::stdout();
            let mut lock = io::BufWriter::with_capacity(1 << 16, stdout.lock());
            produce(&mut lock)
                .and_then(|_| lock.flush())
                .map_err(|e| format!("cannot write to standard output: {e}"))
        }
        Target::Stream { path: p, socket } => {
            let result = if socket {
                UnixStream::connect(&p).and_then(|s| write_stream(s, produce))
            } else {
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(&p)
                    .and_then(|f| write_stream(f, produce))
            };
            result.map_err(|e| format!("cannot write '{path}': {e}"))
        }
        Target::Regular { path: p, meta } => {
            regular::write(&p, Some(&meta), produce).map_err(|e| describe(path, &p, e))
        }
        Target::New { path: p } => {
            regular::write(&p, None, produce).map_err(|e| describe(path, &p, e))
        }
    }
}

fn write_stream(
    sink: impl Write,
    produce: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let mut w = io::BufWriter::with_capacity(1 << 16, sink);
    produce(&mut w)?;
    w.flush()
}

/// The error message, naming the file a symbolic link led to when there was one.
fn describe(given: &str, resolved: &std::path::Path, e: io::Error) -> String {
    if resolved.as_os_str() == given {
        format!("cannot write '{given}': {e}")
    } else {
        format!("cannot write '{given}' (-> '{}'): {e}", resolved.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn failure_leaves_no_file() {
        let dir = std::env::temp_dir().join(format!("tqopt-out-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let target = dir.join("x.mlir");
        let err = write_output(target.to_str().unwrap(), |w| {
            w.write_all(b"partial")?;
            Err(io::Error::other("boom"))
        });
        assert!(err.is_err());
        assert!(!target.exists());
        assert_eq!(
            fs::read_dir(&dir).unwrap().count(),
            0,
            "temporary file left behind"
        );
        write_output(target.to_str().unwrap(), |w| w.write_all(b"done")).unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"done");
        fs::remove_dir_all(&dir).unwrap();
    }
}
