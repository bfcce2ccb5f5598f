//! Writing results: standard output, or a file written atomically (a temporary file in the
//! same directory, renamed over the target only when complete), so a failure never leaves a
//! half-written output behind.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes to `path` ("-" is standard output) what `produce` writes.
pub fn write_output(
    path: &str,
    produce: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), String> {
    if path == "-" {
        let stdout = io::stdout();
        let mut lock = io::BufWriter::with_capacity(1 << 16, stdout.lock());
        produce(&mut lock)
            .and_then(|_| lock.flush())
            .map_err(|e| format!("cannot write to standard output: {e}"))?;
        return Ok(());
    }
    let target = Path::new(path);
    let temp = temp_path(target);
    let result = (|| -> io::Result<()> {
        let file = fs::File::create(&temp)?;
        let mut w = io::BufWriter::with_capacity(1 << 16, file);
        produce(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        fs::rename(&temp, target)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&temp);
        return Err(format!("cannot write '{path}': {e}"));
    }
    Ok(())
}

fn temp_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    dir.join(format!(".{name}.tqopt-{}.tmp", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

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
