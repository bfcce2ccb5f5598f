//! Removal of temporary output files when the process is interrupted.
//!
//! While a temporary file exists, its path is registered here. SIGINT, SIGTERM and SIGHUP then
//! unlink every registered path and re-raise the signal with its default action, so the
//! parent sees the real cause (a shell reports 128+signo). A signal that was ignored when the
//! handlers were installed (`nohup` ignores SIGHUP) stays ignored. SIGXFSZ is ignored, so that
//! going over RLIMIT_FSIZE becomes an `EFBIG` write error, which the ordinary error path
//! cleans up, instead of killing the process with the temporary file left behind.
//!
//! Invariants: the handler reads only atomics and calls only async-signal-safe functions
//! (`unlink`, `signal`, `raise`). A registered path's bytes are never freed (a path is leaked
//! on purpose: one per output file written, a handful per run), so a handler running on
//! another thread while a slot is being cleared never reads freed memory. SIGKILL cannot be
//! caught: that is why temporary files have no name while they are written where the file
//! system allows (see `regular`); elsewhere a `kill -9` can leave a `.NAME.tqopt-PID.tmp`.

use std::ffi::CString;
use std::os::raw::{c_char, c_int};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::ptr::null_mut;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Once;

/// How many temporary files may exist at once (tqopt writes its outputs one after another).
const SLOTS: usize = 8;

static TEMPS: [AtomicPtr<c_char>; SLOTS] = [const { AtomicPtr::new(null_mut()) }; SLOTS];

/// The signals after which a temporary file is removed.
const FATAL: [c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

extern "C" fn on_fatal_signal(signo: c_int) {
    for slot in &TEMPS {
        let path = slot.load(Ordering::SeqCst);
        if !path.is_null() {
            // SAFETY: registered pointers come from `CString::into_raw` and are never freed.
            unsafe { libc::unlink(path) };
        }
    }
    // SAFETY: both are async-signal-safe. The signal stays blocked until this handler
    // returns, then the default action ends the process.
    unsafe {
        libc::signal(signo, libc::SIG_DFL);
        libc::raise(signo);
    }
}

/// Installs the handlers once per process.
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for signo in FATAL {
            // SAFETY: plain sigaction calls with zero-initialised structs; the handler only
            // does async-signal-safe work (see the module doc).
            unsafe {
                let mut old: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(signo, std::ptr::null(), &mut old) != 0
                    || old.sa_sigaction == libc::SIG_IGN
                {
                    continue;
                }
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_fatal_signal as extern "C" fn(c_int) as usize;
                libc::sigemptyset(&mut action.sa_mask);
                action.sa_flags = libc::SA_RESTART;
                libc::sigaction(signo, &action, std::ptr::null_mut());
            }
        }
        // SAFETY: setting a disposition to SIG_IGN has no preconditions.
        unsafe { libc::signal(libc::SIGXFSZ, libc::SIG_IGN) };
    });
}

/// A temporary file that is removed when the guard drops (on success after it was renamed
/// away, where removal finds nothing) or when a fatal signal arrives.
pub struct TempFile {
    path: PathBuf,
    slot: Option<usize>,
    armed: bool,
}

impl TempFile {
    /// Registers `path` (not yet created) for removal. Call before creating the file, so no
    /// moment exists where the file is there and unregistered.
    pub fn register(path: PathBuf) -> TempFile {
        install();
        let slot = CString::new(path.as_os_str().as_bytes())
            .ok()
            .and_then(|c| {
                let raw = c.into_raw();
                let slot = TEMPS.iter().position(|s| {
                    s.compare_exchange(null_mut(), raw, Ordering::SeqCst, Ordering::SeqCst)
                        .is_ok()
                });
                if slot.is_none() {
                    // SAFETY: `raw` came from `into_raw` above and was never shared.
                    drop(unsafe { CString::from_raw(raw) });
                }
                slot
            });
        TempFile {
            path,
            slot,
            armed: true,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stops tracking the file (it was renamed to its final name).
    pub fn disarm(mut self) {
        self.armed = false;
        self.unregister();
    }

    fn unregister(&mut self) {
        if let Some(slot) = self.slot.take() {
            // The old pointer is leaked on purpose (see the module doc).
            TEMPS[slot].store(null_mut(), Ordering::SeqCst);
        }
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.armed {
            let _ = std::fs::remove_file(&self.path);
        }
        self.unregister();
    }
}
