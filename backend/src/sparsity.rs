//! `#tfl.sparsity_parameter<...>` back to TFLite's `SparsityParameters`.
//!
//! The IR keeps a sparse constant's sparsity as the opaque attribute body TensorFlow prints
//! (and tqopt's importer writes):
//!
//! ```text
//! traversal_order = [0, 1, 2, 3], block_map = [3], dim_metadata =
//!   <format =  DENSE, dense_size = 4, segments = [], indices = []>,
//!   <format =  SPARSE_CSR, dense_size = 0, segments = [0, 2, 5], indices = [1, 3, 0, 2, 3]>
//! ```
//!
//! The parser reads that text without regard to spacing (a `#tfl.dimension_metadata` prefix
//! before a `<...>` group is accepted too). Index arrays take the smallest vector type that
//! holds their largest value, as TensorFlow's exporter chooses: `Uint8Vector`, `Uint16Vector`,
//! else `Int32Vector`. The index lists of large sparse weights run to megabytes of text, so
//! numbers are read without intermediate strings.

use tqopt_frontend::schema::tflite::{
    DimensionMetadataT, DimensionType, Int32VectorT, SparseIndexVectorT, SparsityParametersT,
    Uint16VectorT, Uint8VectorT,
};

struct Cursor<'a> {
    s: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn skip_ws(&mut self) {
        while self.at < self.s.len() && self.s[self.at].is_ascii_whitespace() {
            self.at += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.s.get(self.at).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8, what: &str) -> Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(format!(
                "expected '{}' {what} at byte {} of the sparsity parameter",
                c as char, self.at
            ))
        }
    }

    fn word(&mut self) -> &'a str {
        self.skip_ws();
        let start = self.at;
        while self.at < self.s.len()
            && (self.s[self.at].is_ascii_alphanumeric()
                || self.s[self.at] == b'_'
                || self.s[self.at] == b'.'
                || self.s[self.at] == b'#')
        {
            self.at += 1;
        }
        std::str::from_utf8(&self.s[start..self.at]).unwrap_or("")
    }

    fn int(&mut self) -> Result<i64, String> {
        self.skip_ws();
        let neg = self.s.get(self.at) == Some(&b'-');
        if neg {
            self.at += 1;
        }
        let start = self.at;
        let mut v: i64 = 0;
        while let Some(&d) = self.s.get(self.at) {
            if !d.is_ascii_digit() {
                break;
            }
            v = v
                .checked_mul(10)
                .and_then(|v| v.checked_add((d - b'0') as i64))
                .ok_or("a number of the sparsity parameter overflows")?;
            self.at += 1;
        }
        if self.at == start {
            return Err(format!(
                "expected a number at byte {} of the sparsity parameter",
                self.at
            ));
        }
        Ok(if neg { -v } else { v })
    }

    fn i32(&mut self) -> Result<i32, String> {
        let v = self.int()?;
        i32::try_from(v).map_err(|_| format!("{v} in the sparsity parameter does not fit 32 bits"))
    }

    /// `[1, 2, 3]`
    fn list(&mut self) -> Result<Vec<i32>, String> {
        self.expect(b'[', "to open a list")?;
        let mut out = Vec::new();
        if self.eat(b']') {
            return Ok(out);
        }
        loop {
            out.push(self.i32()?);
            if self.eat(b']') {
                return Ok(out);
            }
            self.expect(b',', "between list items")?;
        }
    }

    /// `name =`
    fn key(&mut self) -> Result<&'a str, String> {
        let k = self.word();
        if k.is_empty() {
            return Err(format!(
                "expected a field name at byte {} of the sparsity parameter",
                self.at
            ));
        }
        self.expect(b'=', "after a field name")?;
        Ok(k)
    }
}

/// An index array in the smallest vector type that holds it.
fn index_vector(values: Vec<i32>) -> Result<SparseIndexVectorT, String> {
    if let Some(v) = values.iter().find(|&&v| v < 0) {
        return Err(format!("sparse index {v} is negative"));
    }
    let max = values.iter().copied().max().unwrap_or(0);
    Ok(if max <= u8::MAX as i32 {
        let mut t = Uint8VectorT::default();
        t.values = Some(values.iter().map(|&v| v as u8).collect());
        SparseIndexVectorT::Uint8Vector(Box::new(t))
    } else if max <= u16::MAX as i32 {
        let mut t = Uint16VectorT::default();
        t.values = Some(values.iter().map(|&v| v as u16).collect());
        SparseIndexVectorT::Uint16Vector(Box::new(t))
    } else {
        let mut t = Int32VectorT::default();
        t.values = Some(values);
        SparseIndexVectorT::Int32Vector(Box::new(t))
    })
}

/// One `<format = ..., dense_size = N, segments = [...], indices = [...]>` group.
fn dim_metadata(c: &mut Cursor<'_>) -> Result<DimensionMetadataT, String> {
    // An optional `#tfl.dimension_metadata` before the group.
    if c.peek() == Some(b'#') {
        c.word();
    }
    c.expect(b'<', "to open a dimension's metadata")?;
    let mut format = None;
    let mut dense_size = 0;
    let mut segments = Vec::new();
    let mut indices = Vec::new();
    loop {
        if c.eat(b'>') {
            break;
        }
        match c.key()? {
            "format" => {
                format = Some(match c.word() {
                    "DENSE" => DimensionType::DENSE,
                    "SPARSE_CSR" => DimensionType::SPARSE_CSR,
                    other => return Err(format!("unknown dimension format '{other}'")),
                })
            }
            "dense_size" => dense_size = c.i32()?,
            "segments" => segments = c.list()?,
            "indices" => indices = c.list()?,
            other => return Err(format!("unknown dimension field '{other}'")),
        }
        if !c.eat(b',') {
            c.expect(b'>', "to close a dimension's metadata")?;
            break;
        }
    }
    let mut d = DimensionMetadataT::default();
    match format.ok_or("a dimension has no format")? {
        DimensionType::DENSE => {
            d.format = DimensionType::DENSE;
            d.dense_size = dense_size;
        }
        _ => {
            d.format = DimensionType::SPARSE_CSR;
            d.array_segments = index_vector(segments)?;
            d.array_indices = index_vector(indices)?;
        }
    }
    Ok(d)
}

/// Parses the body of `#tfl.sparsity_parameter<...>`.
pub fn parse_sparsity(body: &str) -> Result<SparsityParametersT, String> {
    let mut c = Cursor {
        s: body.as_bytes(),
        at: 0,
    };
    let mut traversal_order = None;
    let mut block_map = Vec::new();
    let mut dims = Vec::new();
    while c.peek().is_some() {
        match c.key()? {
            "traversal_order" => traversal_order = Some(c.list()?),
            "block_map" => block_map = c.list()?,
            "dim_metadata" => {
                // Either a bracketed list or a run of `<...>` groups up to the next field.
                let bracketed = c.eat(b'[');
                loop {
                    dims.push(dim_metadata(&mut c)?);
                    let save = c.at;
                    if bracketed && c.eat(b']') {
                        break;
                    }
                    if !c.eat(b',') {
                        break;
                    }
                    // A comma followed by another field name ends the groups.
                    if !matches!(c.peek(), Some(b'<') | Some(b'#')) {
                        c.at = save;
                        break;
                    }
                }
            }
            other => return Err(format!("unknown sparsity field '{other}'")),
        }
        if !c.eat(b',') {
            break;
        }
    }
    if c.peek().is_some() {
        return Err(format!(
            "unexpected text at byte {} of the sparsity parameter",
            c.at
        ));
    }
    let traversal_order = traversal_order.ok_or("the sparsity parameter has no traversal_order")?;
    if dims.len() != traversal_order.len() {
        return Err(format!(
            "the sparsity parameter has {} traversal dimensions but metadata for {}",
            traversal_order.len(),
            dims.len()
        ));
    }
    let mut sp = SparsityParametersT::default();
    sp.traversal_order = Some(traversal_order);
    sp.block_map = Some(block_map);
    sp.dim_metadata = Some(dims);
    Ok(sp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_the_importer_writes() {
        let body = "traversal_order = [0, 1, 2], block_map = [1], dim_metadata = \
            <format =  DENSE, dense_size = 2, segments = [], indices = []>, \
            <format =  SPARSE_CSR, dense_size = 0, segments = [0, 1, 300], indices = [0, 70000]>, \
            <format =  DENSE, dense_size = 4, segments = [], indices = []>";
        let sp = parse_sparsity(body).unwrap();
        assert_eq!(sp.traversal_order.as_deref(), Some(&[0, 1, 2][..]));
        assert_eq!(sp.block_map.as_deref(), Some(&[1][..]));
        let dims = sp.dim_metadata.unwrap();
        assert_eq!(dims.len(), 3);
        assert_eq!(dims[0].format, DimensionType::DENSE);
        assert_eq!(dims[0].dense_size, 2);
        assert_eq!(dims[1].format, DimensionType::SPARSE_CSR);
        assert!(matches!(
            dims[1].array_segments,
            SparseIndexVectorT::Uint16Vector(_)
        ));
        assert!(matches!(
            dims[1].array_indices,
            SparseIndexVectorT::Int32Vector(_)
        ));
        assert_eq!(dims[2].dense_size, 4);
    }

    #[test]
    fn rejects_malformed_text() {
        assert!(parse_sparsity("traversal_order = [0, 1").is_err());
        assert!(parse_sparsity("traversal_order = [0], dim_metadata = <format = ODD>").is_err());
        assert!(parse_sparsity("block_map = []").is_err());
        assert!(parse_sparsity(
            "traversal_order = [0, 1], block_map = [], dim_metadata = <format = DENSE, dense_size = 1>"
        )
        .is_err());
        assert!(parse_sparsity("traversal_order = [99999999999]").is_err());
    }
}
