//! The memory budget: the most bytes one buffer whose size comes from the input (a model's
//! declared shapes or pad amounts, a calibration input's size) may take.
//!
//! Sizes read from a file are checked against it before anything is allocated, so a corrupted
//! or hostile model gives an error naming the tensor and the size instead of an allocation
//! failure that aborts the process. The default is [`DEFAULT_LIMIT`]; the environment variable
//! [`ENV`] overrides it (`TQOPT_MEMORY_LIMIT=512M`, `=2G`, `=1073741824`).
//!
//! Invariant: [`bytes_for`] never overflows: element counts are multiplied in `u128`.

use std::fmt;

/// The budget when `TQOPT_MEMORY_LIMIT` is not set ([`tqopt_ir::memory::DEFAULT_LIMIT`]).
pub const DEFAULT_LIMIT: u64 = tqopt_ir::memory::DEFAULT_LIMIT;

/// The environment variable that overrides the budget ([`tqopt_ir::memory::LIMIT_ENV`]).
pub const ENV: &str = tqopt_ir::memory::LIMIT_ENV;

/// Why a buffer cannot be allocated.
#[derive(Clone, Debug, PartialEq)]
pub enum BudgetError {
    /// The buffer needs `bytes` (saturated at `u128::MAX`), more than `limit`.
    TooLarge { bytes: u128, limit: u64 },
    /// `TQOPT_MEMORY_LIMIT` holds something that is not a size.
    BadSetting { value: String },
}

impl fmt::Display for BudgetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BudgetError::TooLarge { bytes, limit } => write!(
                f,
                "needs {}, more than the memory limit of {} (set {ENV} to change it)",
                human(*bytes),
                human(*limit as u128)
            ),
            BudgetError::BadSetting { value } => write!(
                f,
                "cannot be checked against the memory limit: {}",
                bad_setting(value)
            ),
        }
    }
}

impl std::error::Error for BudgetError {}

/// `12.0 GiB`, `512 bytes`.
pub fn human(bytes: u128) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut v = bytes as f64;
    let mut unit = "bytes";
    for u in UNITS {
        if v < 1024.0 {
            break;
        }
        v /= 1024.0;
        unit = u;
    }
    if bytes > u64::MAX as u128 {
        return format!("more than {:.1} EiB", u64::MAX as f64 / (1u64 << 60) as f64);
    }
    format!("{v:.1} {unit}")
}

/// Parses `1073741824`, `512M`, `2G`, `2GiB`, `1.5T` (binary units), as
/// [`tqopt_ir::memory::parse_size`] does.
pub fn parse_size(text: &str) -> Option<u64> {
    tqopt_ir::memory::parse_size(text).ok()
}

fn bad_setting(value: &str) -> String {
    format!("{ENV}='{value}' is not a size: give bytes, or a number with K, M, G or T")
}

/// The budget in force, or a message saying that `TQOPT_MEMORY_LIMIT` is not a size: for a
/// command to check the setting before it starts.
pub fn checked_limit() -> Result<u64, String> {
    limit().map_err(|e| match e {
        BudgetError::BadSetting { value } => bad_setting(&value),
        other => other.to_string(),
    })
}

/// The budget in force: `TQOPT_MEMORY_LIMIT` when set, else [`DEFAULT_LIMIT`].
pub fn limit() -> Result<u64, BudgetError> {
    match std::env::var(ENV) {
        Ok(v) => parse_size(&v).ok_or(BudgetError::BadSetting { value: v }),
        Err(_) => Ok(DEFAULT_LIMIT),
    }
}

/// The bytes of a buffer of `dims` elements of `elem_bytes` each (saturating, never wrapping).
pub fn bytes_for(dims: &[u64], elem_bytes: u64) -> u128 {
    dims.iter()
        .fold(elem_bytes as u128, |acc, &d| acc.saturating_mul(d as u128))
}

/// Checks that a buffer of `dims` elements, `elem_bytes` each, fits the budget; returns its
/// element count.
pub fn check(dims: &[u64], elem_bytes: u64) -> Result<usize, BudgetError> {
    let limit = limit()?;
    let bytes = bytes_for(dims, elem_bytes);
    if bytes > limit as u128 {
        return Err(BudgetError::TooLarge { bytes, limit });
    }
    let elements: u128 = dims.iter().map(|&d| d as u128).product();
    usize::try_from(elements).map_err(|_| BudgetError::TooLarge { bytes, limit })
}

/// [`check`] for `usize` dimensions.
pub fn check_dims(dims: &[usize], elem_bytes: usize) -> Result<usize, BudgetError> {
    let dims: Vec<u64> = dims.iter().map(|&d| d as u64).collect();
    check(&dims, elem_bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_size("1024"), Some(1024));
        assert_eq!(parse_size("512M"), Some(512 << 20));
        assert_eq!(parse_size("2GiB"), Some(2 << 30));
        assert_eq!(parse_size("1.5k"), Some(1536));
        assert_eq!(parse_size("lots"), None);
        assert_eq!(parse_size("0"), None);
        assert_eq!(parse_size("-3G"), None);
    }

    #[test]
    fn huge_shapes_are_refused_without_overflow() {
        let e = check(&[1 << 31, 1 << 31, 3], 4).unwrap_err();
        assert!(e.to_string().contains("more than the memory limit"), "{e}");
        assert!(check(&[u64::MAX, u64::MAX, u64::MAX], 8).is_err());
        assert_eq!(check(&[2, 3], 4), Ok(6));
        assert_eq!(bytes_for(&[u64::MAX, u64::MAX, 4], 8), u128::MAX);
        assert_eq!(human(65536 * 65536 * 3 * 4), "48.0 GiB");
    }
}
