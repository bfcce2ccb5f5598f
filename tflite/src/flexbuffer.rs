//! A reader for the one FlexBuffer shape custom operators' options take: a map from keys to
//! scalars (TensorFlow's converter writes `TFLite_Detection_PostProcess`'s attributes so).
//!
//! The format (FlexBuffers, flatbuffers' schemaless sibling) in brief: the buffer ends with the
//! root's width in bytes, before that the root's packed type (`type << 2 | log2 width`), and
//! before that the root value. Values of offset types (keys, maps, vectors, indirect scalars)
//! are unsigned distances back from where they are stored. A map's values vector is preceded
//! by the offset to its keys vector, that vector's element width, and the length; after its
//! elements come one packed type byte per element. Every read is bounds-checked: malformed
//! bytes give an error, never a panic.

use std::collections::BTreeMap;

/// A scalar value of the map.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    Null,
    Int(i64),
    UInt(u64),
    Float(f64),
    Bool(bool),
}

impl Scalar {
    /// The value as an integer (a float must be integral).
    pub fn as_i64(self) -> Option<i64> {
        match self {
            Scalar::Int(v) => Some(v),
            Scalar::UInt(v) => i64::try_from(v).ok(),
            Scalar::Bool(b) => Some(b as i64),
            Scalar::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
            _ => None,
        }
    }

    pub fn as_f64(self) -> Option<f64> {
        match self {
            Scalar::Int(v) => Some(v as f64),
            Scalar::UInt(v) => Some(v as f64),
            Scalar::Float(f) => Some(f),
            Scalar::Bool(b) => Some(b as i64 as f64),
            Scalar::Null => None,
        }
    }

    pub fn as_bool(self) -> Option<bool> {
        match self {
            Scalar::Bool(b) => Some(b),
            Scalar::Int(v) => Some(v != 0),
            Scalar::UInt(v) => Some(v != 0),
            _ => None,
        }
    }
}

// FlexBuffers type codes.
const NULL: u8 = 0;
const INT: u8 = 1;
const UINT: u8 = 2;
const FLOAT: u8 = 3;
const KEY: u8 = 4;
const INDIRECT_INT: u8 = 6;
const INDIRECT_UINT: u8 = 7;
const INDIRECT_FLOAT: u8 = 8;
const MAP: u8 = 9;
const BOOL: u8 = 26;

struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn slice(&self, at: usize, width: usize) -> Result<&[u8], String> {
        self.bytes
            .get(at..at.checked_add(width).ok_or("offset overflows")?)
            .ok_or_else(|| {
                format!(
                    "reads {width} bytes at {at}, past the end ({} bytes)",
                    self.bytes.len()
                )
            })
    }

    fn uint(&self, at: usize, width: usize) -> Result<u64, String> {
        let b = self.slice(at, width)?;
        Ok(match width {
            1 => b[0] as u64,
            2 => u16::from_le_bytes([b[0], b[1]]) as u64,
            4 => u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64,
            8 => u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
            w => return Err(format!("a width of {w} bytes")),
        })
    }

    fn int(&self, at: usize, width: usize) -> Result<i64, String> {
        let u = self.uint(at, width)?;
        let shift = 64 - 8 * width as u32;
        Ok(((u << shift) as i64) >> shift)
    }

    fn float(&self, at: usize, width: usize) -> Result<f64, String> {
        let u = self.uint(at, width)?;
        match width {
            4 => Ok(f32::from_bits(u as u32) as f64),
            8 => Ok(f64::from_bits(u)),
            w => Err(format!("a float of {w} bytes")),
        }
    }

    /// Where the offset stored at `at` (`width` bytes) points.
    fn target(&self, at: usize, width: usize) -> Result<usize, String> {
        let back = self.uint(at, width)?;
        usize::try_from(back)
            .ok()
            .and_then(|b| at.checked_sub(b))
            .ok_or_else(|| format!("an offset of {back} at {at} points before the buffer"))
    }

    /// The scalar stored at `at` in a field `width` bytes wide, of packed type `packed`.
    fn scalar(&self, at: usize, width: usize, packed: u8) -> Result<Scalar, String> {
        let (kind, own) = (packed >> 2, 1usize << (packed & 3));
        Ok(match kind {
            NULL => Scalar::Null,
            INT => Scalar::Int(self.int(at, width)?),
            UINT => Scalar::UInt(self.uint(at, width)?),
            FLOAT => Scalar::Float(self.float(at, width)?),
            BOOL => Scalar::Bool(self.uint(at, width)? != 0),
            INDIRECT_INT => Scalar::Int(self.int(self.target(at, width)?, own)?),
            INDIRECT_UINT => Scalar::UInt(self.uint(self.target(at, width)?, own)?),
            INDIRECT_FLOAT => Scalar::Float(self.float(self.target(at, width)?, own)?),
            other => return Err(format!("a value of FlexBuffer type {other}, not a scalar")),
        })
    }

    /// The null-terminated key at `at`.
    fn key(&self, at: usize) -> Result<String, String> {
        let rest = self.bytes.get(at..).ok_or("a key past the end")?;
        let end = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or("a key without its terminating 0")?;
        String::from_utf8(rest[..end].to_vec()).map_err(|_| "a key that is not UTF-8".into())
    }
}

/// Reads `bytes` as a FlexBuffer whose root is a map of scalars.
pub fn read_scalar_map(bytes: &[u8]) -> Result<BTreeMap<String, Scalar>, String> {
    let r = Reader { bytes };
    let n = bytes.len();
    if n < 3 {
        return Err(format!("{n} bytes are too few for a FlexBuffer"));
    }
    let root_width = bytes[n - 1] as usize;
    let root_packed = bytes[n - 2];
    if !matches!(root_width, 1 | 2 | 4 | 8) || n < 2 + root_width {
        return Err(format!("a root width of {root_width} bytes"));
    }
    if root_packed >> 2 != MAP {
        return Err(format!(
            "the root has FlexBuffer type {}, not a map",
            root_packed >> 2
        ));
    }
    let values = r.target(n - 2 - root_width, root_width)?;
    let width = 1usize << (root_packed & 3);
    let len = r.uint(
        values
            .checked_sub(width)
            .ok_or("a map without its length")?,
        width,
    )? as usize;
    let keys_at = values
        .checked_sub(3 * width)
        .ok_or("a map without its keys")?;
    let keys = r.target(keys_at, width)?;
    let keys_width = r.uint(keys_at + width, width)? as usize;
    if !matches!(keys_width, 1 | 2 | 4 | 8) {
        return Err(format!("a key width of {keys_width} bytes"));
    }
    let types_at = len
        .checked_mul(width)
        .and_then(|b| values.checked_add(b))
        .ok_or("a map longer than the buffer")?;
    r.slice(types_at, len)?;
    let mut out = BTreeMap::new();
    for i in 0..len {
        let key = r.key(r.target(keys + i * keys_width, keys_width)?)?;
        let packed = bytes[types_at + i];
        if packed >> 2 == KEY {
            return Err(format!("map value '{key}' is a key"));
        }
        out.insert(key, r.scalar(values + i * width, width, packed)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `flatbuffers.flexbuffers.Dumps({'a': 1, 'b': 0.5, 'c': True})` (Python flatbuffers 25).
    const SMALL: &str =
        "610062006300030706050000050000000100000003000000010000000000003f01000000060e6a0f2601";

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn reads_a_map_of_scalars() {
        let m = read_scalar_map(&hex(SMALL)).unwrap();
        assert_eq!(m["a"].as_i64(), Some(1));
        assert_eq!(m["b"].as_f64(), Some(0.5));
        assert_eq!(m["c"].as_bool(), Some(true));
        assert_eq!(m.len(), 3);
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let bytes = hex(SMALL);
        for cut in 0..bytes.len() {
            let _ = read_scalar_map(&bytes[cut..]);
            let _ = read_scalar_map(&bytes[..cut]);
        }
        for i in 0..bytes.len() {
            for v in [0u8, 1, 0x7f, 0xff] {
                let mut b = bytes.clone();
                b[i] = v;
                let _ = read_scalar_map(&b);
            }
        }
        assert!(read_scalar_map(&[]).is_err());
        assert!(read_scalar_map(&bytes[..bytes.len() - 1]).is_err());
    }
}
