//! The memory budget for what a model declares: no tensor the file declares may need more
//! bytes than the budget, and all of a model's declared tensors together may not either.
//!
//! The budget is [`DEFAULT_MEMORY_LIMIT`] unless the environment variable
//! [`MEMORY_LIMIT_ENV`] (`TQOPT_MEMORY_LIMIT`) says otherwise, or a caller passes its own in
//! [`ImportOptions`](crate::ImportOptions). Sizes are checked with overflow-checked `u64`
//! arithmetic before anything is allocated, so a corrupted shape gives an error naming the
//! tensor and the size instead of an allocation failure later (in calibration, in a pass).

/// The budget when nothing overrides it ([`tqopt_ir::memory::DEFAULT_LIMIT`]).
pub const DEFAULT_MEMORY_LIMIT: u64 = tqopt_ir::memory::DEFAULT_LIMIT;

/// The environment variable that overrides the budget ([`tqopt_ir::memory::LIMIT_ENV`]).
pub const MEMORY_LIMIT_ENV: &str = tqopt_ir::memory::LIMIT_ENV;

/// The memory budget in bytes: [`MEMORY_LIMIT_ENV`] when set, else [`DEFAULT_MEMORY_LIMIT`].
/// An unreadable value is an error naming the variable (never silently the default).
pub fn memory_limit() -> Result<u64, String> {
    tqopt_ir::memory::limit()
}

#[cfg(test)]
use tqopt_ir::memory::parse_size;

/// A byte count as people read it: `4294967296 bytes (4.0 GiB)`.
pub(crate) fn show_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    let mut unit = "";
    let mut value = n as f64;
    for u in UNITS {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = u;
    }
    if unit.is_empty() {
        format!("{n} bytes")
    } else {
        format!("{n} bytes ({value:.1} {unit})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sizes() {
        assert_eq!(parse_size("1000"), Ok(1000));
        assert_eq!(parse_size("64K"), Ok(64 << 10));
        assert_eq!(parse_size("512MiB"), Ok(512 << 20));
        assert_eq!(parse_size(" 8g "), Ok(8 << 30));
        assert_eq!(parse_size("2T"), Ok(2 << 40));
        assert!(parse_size("").is_err());
        assert!(parse_size("0").is_err());
        assert!(parse_size("-1").is_err());
        assert!(parse_size("5X").is_err());
        assert!(parse_size("99999999999999999999").is_err());
        assert!(parse_size("17179869184T").is_err());
    }

    #[test]
    fn shows_bytes() {
        assert_eq!(show_bytes(12), "12 bytes");
        assert_eq!(show_bytes(3 << 30), "3221225472 bytes (3.0 GiB)");
    }
}
