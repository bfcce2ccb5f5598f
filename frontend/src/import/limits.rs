//! The memory budget for what a model declares: no tensor the file declares may need more
//! bytes than the budget, and all of a model's declared tensors together may not either.
//!
//! The budget is [`DEFAULT_MEMORY_LIMIT`] unless the environment variable
//! [`MEMORY_LIMIT_ENV`] (`TQOPT_MEMORY_LIMIT`) says otherwise, or a caller passes its own in
//! [`ImportOptions`](crate::ImportOptions). Sizes are checked with overflow-checked `u64`
//! arithmetic before anything is allocated, so a corrupted shape gives an error naming the
//! tensor and the size instead of an allocation failure later (in calibration, in a pass).

/// The budget when nothing overrides it: 4 GiB, far above every real model's largest tensor
/// and below what a shared build machine can give one process.
pub const DEFAULT_MEMORY_LIMIT: u64 = 4 << 30;

/// The environment variable that overrides the budget: a byte count, optionally with a
/// binary suffix (`512M`, `8G`, `1T`; `K`, `M`, `G`, `T`, also spelled `KiB`, `MB`, ...).
pub const MEMORY_LIMIT_ENV: &str = "TQOPT_MEMORY_LIMIT";

/// The memory budget in bytes: [`MEMORY_LIMIT_ENV`] when set, else [`DEFAULT_MEMORY_LIMIT`].
/// An unreadable value is an error naming the variable (never silently the default).
pub fn memory_limit() -> Result<u64, String> {
    match std::env::var(MEMORY_LIMIT_ENV) {
        Ok(text) => parse_size(&text).map_err(|e| format!("{MEMORY_LIMIT_ENV}={text:?}: {e}")),
        Err(std::env::VarError::NotPresent) => Ok(DEFAULT_MEMORY_LIMIT),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(format!("{MEMORY_LIMIT_ENV} is not valid UTF-8"))
        }
    }
}

/// Parses a byte count with an optional binary suffix: `1000`, `64K`, `512MiB`, `8G`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, suffix) = t.split_at(split);
    if digits.is_empty() {
        return Err("expected a byte count such as 4294967296, 512M or 8G".into());
    }
    let shift = match suffix.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        "T" | "TB" | "TIB" => 40,
        other => return Err(format!("unknown size suffix '{other}' (use K, M, G or T)")),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("'{digits}' is too large"))?;
    let bytes = n
        .checked_mul(1u64 << shift)
        .ok_or_else(|| format!("'{t}' is more than 2^64 bytes"))?;
    if bytes == 0 {
        return Err("the memory limit must be more than 0 bytes".into());
    }
    Ok(bytes)
}

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
