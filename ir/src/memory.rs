//! The memory budget: the most bytes one allocation whose size comes from the input (a
//! model's declared shapes, a dense literal in MLIR text, pad amounts, a calibration image)
//! may take. One value for the whole tool: [`DEFAULT_LIMIT`] unless the environment variable
//! [`LIMIT_ENV`] (`TQOPT_MEMORY_LIMIT=512M`, `=8G`, `=1.5T`, `=1073741824`) says otherwise.
//! The importer, the MLIR parser and the interpreter all read it here, and check sizes with
//! overflow-checked arithmetic before allocating, so hostile input gives an error naming the
//! tensor and the size instead of an aborted process.

/// The budget when nothing overrides it: 4 GiB, far above every real model's largest tensor
/// and below what the machines tqopt runs on give one process.
pub const DEFAULT_LIMIT: u64 = 4 << 30;

/// The environment variable that overrides the budget.
pub const LIMIT_ENV: &str = "TQOPT_MEMORY_LIMIT";

/// The budget in force: [`LIMIT_ENV`] when set, else [`DEFAULT_LIMIT`]. An unreadable value is
/// an error naming the variable (never silently the default).
pub fn limit() -> Result<u64, String> {
    match std::env::var(LIMIT_ENV) {
        Ok(text) => parse_size(&text).map_err(|e| format!("{LIMIT_ENV}={text:?}: {e}")),
        Err(std::env::VarError::NotPresent) => Ok(DEFAULT_LIMIT),
        Err(std::env::VarError::NotUnicode(_)) => Err(format!("{LIMIT_ENV} is not valid UTF-8")),
    }
}

/// Parses a byte count with an optional binary suffix: `1000`, `64K`, `512MiB`, `8G`, `1.5T`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, suffix) = t.split_at(split);
    if number.is_empty() {
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
    let bytes = if number.contains('.') {
        let v: f64 = number
            .parse()
            .map_err(|_| format!("'{number}' is not a number"))?;
        let v = v * (1u64 << shift) as f64;
        // NaN cannot come from digits and dots; infinities and overflow are refused here.
        if v.is_nan() || v >= u64::MAX as f64 {
            return Err(format!("'{t}' is more than 2^64 bytes"));
        }
        v as u64
    } else {
        let n: u64 = number
            .parse()
            .map_err(|_| format!("'{number}' is too large"))?;
        n.checked_mul(1u64 << shift)
            .ok_or_else(|| format!("'{t}' is more than 2^64 bytes"))?
    };
    if bytes == 0 {
        return Err("the memory limit must be more than 0 bytes".into());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_suffixes_and_refuse_nonsense() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("1.5k"), Ok(1536));
        for bad in [
            "lots",
            "0",
            "-3G",
            "",
            "99999999999999999999",
            "20000000000T",
        ] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }
}
