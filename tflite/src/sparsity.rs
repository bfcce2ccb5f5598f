//! A sparse constant's sparsity parameters: TFLite's `SparsityParameters` table, typed, with
//! the one parser and the one printer of the `#tfl.sparsity_parameter<...>` attribute body the
//! IR keeps them in, and the conversions to and from the flatbuffer.
//!
//! The body is the text TensorFlow prints (and tqopt's importer writes):
//!
//! ```text
//! traversal_order = [0, 1, 2, 3], block_map = [3], dim_metadata =
//!   <format =  DENSE, dense_size = 4, segments = [], indices = []>,
//!   <format =  SPARSE_CSR, dense_size = 0, segments = [0, 2, 5], indices = [1, 3, 0, 2, 3]>
//! ```
//!
//! [`SparsityParameters::parse`] reads it without regard to spacing (a `#tfl.dimension_metadata`
//! prefix before a `<...>` group, and a bracketed group list, are accepted too);
//! [`SparsityParameters::print`] writes it exactly as TensorFlow does (two spaces after
//! `format =`), so an imported model prints as TensorFlow prints it. The index lists of large
//! sparse weights run to megabytes of text, so numbers are read and written without
//! intermediate strings. Invariant of a parsed value: `traversal_order` is present and has as
//! many entries as `dim_metadata` (the parser checks; the importer prints what a file holds).
//!
//! Users: the importer (flatbuffer -> text), the exporter (text -> flatbuffer, index arrays in
//! the smallest vector type that holds them, as TensorFlow's exporter chooses: `Uint8Vector`,
//! `Uint16Vector`, else `Int32Vector`), and the interpreter (text -> dense tensor).

use crate::schema::tflite::{
    self, DimensionMetadataT, DimensionType, Int32VectorT, SparseIndexVectorT, SparsityParametersT,
    Uint16VectorT, Uint8VectorT,
};

/// How one traversed dimension is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DimensionMetadata {
    /// Every index `0..dense_size` is present.
    Dense { dense_size: i32 },
    /// Compressed sparse row: the indices present under parent `p` are
    /// `indices[segments[p]..segments[p + 1]]`.
    SparseCsr {
        segments: Vec<i32>,
        indices: Vec<i32>,
    },
}

impl DimensionMetadata {
    /// The size of a dense dimension; 0 for a sparse one (what TFLite stores for it).
    pub fn dense_size(&self) -> i32 {
        match self {
            DimensionMetadata::Dense { dense_size } => *dense_size,
            DimensionMetadata::SparseCsr { .. } => 0,
        }
    }
}

/// TFLite's `SparsityParameters`: the order the dimensions are traversed in (original
/// dimensions first, then block dimensions), which original dimension each block dimension
/// subdivides, and how each traversed dimension is stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SparsityParameters {
    pub traversal_order: Vec<i32>,
    pub block_map: Vec<i32>,
    pub dim_metadata: Vec<DimensionMetadata>,
}

impl SparsityParameters {
    /// Parses the body of `#tfl.sparsity_parameter<...>`.
    pub fn parse(body: &str) -> Result<SparsityParameters, String> {
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
        let traversal_order =
            traversal_order.ok_or("the sparsity parameter has no traversal_order")?;
        if dims.len() != traversal_order.len() {
            return Err(format!(
                "the sparsity parameter has {} traversal dimensions but metadata for {}",
                traversal_order.len(),
                dims.len()
            ));
        }
        Ok(SparsityParameters {
            traversal_order,
            block_map,
            dim_metadata: dims,
        })
    }

    /// The attribute body, exactly as TensorFlow prints it.
    pub fn print(&self) -> String {
        let mut s = String::from("traversal_order = ");
        push_list(&mut s, &self.traversal_order);
        s.push_str(", block_map = ");
        push_list(&mut s, &self.block_map);
        s.push_str(", dim_metadata = ");
        for (i, dm) in self.dim_metadata.iter().enumerate() {
            if i > 0 {
                s.push_str(", ");
            }
            match dm {
                DimensionMetadata::Dense { dense_size } => {
                    s.push_str("<format =  DENSE, dense_size = ");
                    push_int(&mut s, *dense_size);
                    s.push_str(", segments = [], indices = []>");
                }
                DimensionMetadata::SparseCsr { segments, indices } => {
                    s.push_str("<format =  SPARSE_CSR, dense_size = 0, segments = ");
                    push_list(&mut s, segments);
                    s.push_str(", indices = ");
                    push_list(&mut s, indices);
                    s.push('>');
                }
            }
        }
        s
    }

    /// The parameters a file's tensor carries. A dimension of unknown format or with an
    /// unknown index vector type is an error naming the dimension.
    pub fn from_flatbuffer(sp: &tflite::SparsityParameters<'_>) -> Result<Self, String> {
        let mut dims = Vec::new();
        for (i, dm) in sp.dim_metadata().into_iter().flatten().enumerate() {
            dims.push(match dm.format() {
                DimensionType::DENSE => DimensionMetadata::Dense {
                    dense_size: dm.dense_size(),
                },
                DimensionType::SPARSE_CSR => DimensionMetadata::SparseCsr {
                    segments: read_index_vector(&dm, true)
                        .map_err(|e| format!("dimension {i}: segments {e}"))?,
                    indices: read_index_vector(&dm, false)
                        .map_err(|e| format!("dimension {i}: indices {e}"))?,
                },
                other => return Err(format!("dimension {i} has unknown format {}", other.0)),
            });
        }
        Ok(SparsityParameters {
            traversal_order: sp.traversal_order().into_iter().flatten().collect(),
            block_map: sp.block_map().into_iter().flatten().collect(),
            dim_metadata: dims,
        })
    }

    /// The table to write, index arrays in the smallest vector type that holds them. A negative
    /// index is an error.
    pub fn to_flatbuffer(&self) -> Result<SparsityParametersT, String> {
        let mut dims = Vec::with_capacity(self.dim_metadata.len());
        for dm in &self.dim_metadata {
            let mut d = DimensionMetadataT::default();
            match dm {
                DimensionMetadata::Dense { dense_size } => {
                    d.format = DimensionType::DENSE;
                    d.dense_size = *dense_size;
                }
                DimensionMetadata::SparseCsr { segments, indices } => {
                    d.format = DimensionType::SPARSE_CSR;
                    d.array_segments = index_vector(segments)?;
                    d.array_indices = index_vector(indices)?;
                }
            }
            dims.push(d);
        }
        Ok(SparsityParametersT {
            traversal_order: Some(self.traversal_order.clone()),
            block_map: Some(self.block_map.clone()),
            dim_metadata: Some(dims),
        })
    }
}

impl std::fmt::Display for SparsityParameters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.print())
    }
}

// ---- reading the text ----

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

/// One `<format = ..., dense_size = N, segments = [...], indices = [...]>` group.
fn dim_metadata(c: &mut Cursor<'_>) -> Result<DimensionMetadata, String> {
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
    Ok(match format.ok_or("a dimension has no format")? {
        DimensionType::DENSE => DimensionMetadata::Dense { dense_size },
        _ => DimensionMetadata::SparseCsr { segments, indices },
    })
}

// ---- writing the text ----

/// Writes `[a, b, c]`.
fn push_list(s: &mut String, values: &[i32]) {
    s.push('[');
    for (k, &v) in values.iter().enumerate() {
        if k > 0 {
            s.push_str(", ");
        }
        push_int(s, v);
    }
    s.push(']');
}

/// Appends the decimal digits of `v` (faster than `write!` for megabytes of indices).
fn push_int(s: &mut String, v: i32) {
    let mut buf = [0u8; 11];
    let mut at = buf.len();
    let mut n = v.unsigned_abs();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    // The buffer holds ASCII digits and at most a minus sign.
    s.push_str(std::str::from_utf8(&buf[at..]).unwrap_or_default());
}

// ---- the flatbuffer ----

/// An index array in the smallest vector type that holds it.
fn index_vector(values: &[i32]) -> Result<SparseIndexVectorT, String> {
    if let Some(v) = values.iter().find(|&&v| v < 0) {
        return Err(format!("sparse index {v} is negative"));
    }
    let max = values.iter().copied().max().unwrap_or(0);
    Ok(if max <= u8::MAX as i32 {
        SparseIndexVectorT::Uint8Vector(Box::new(Uint8VectorT {
            values: Some(values.iter().map(|&v| v as u8).collect()),
        }))
    } else if max <= u16::MAX as i32 {
        SparseIndexVectorT::Uint16Vector(Box::new(Uint16VectorT {
            values: Some(values.iter().map(|&v| v as u16).collect()),
        }))
    } else {
        SparseIndexVectorT::Int32Vector(Box::new(Int32VectorT {
            values: Some(values.to_vec()),
        }))
    })
}

/// The indices (or segments) of a SPARSE_CSR dimension, whatever vector type holds them.
fn read_index_vector(
    dm: &tflite::DimensionMetadata<'_>,
    segments: bool,
) -> Result<Vec<i32>, String> {
    let (ty, i32v, u16v, u8v) = if segments {
        (
            dm.array_segments_type(),
            dm.array_segments_as_int_32_vector()
                .and_then(|v| v.values())
                .map(|v| v.iter().collect::<Vec<_>>()),
            dm.array_segments_as_uint_16_vector()
                .and_then(|v| v.values())
                .map(|v| v.iter().map(i32::from).collect()),
            dm.array_segments_as_uint_8_vector()
                .and_then(|v| v.values())
                .map(|v| v.iter().map(i32::from).collect()),
        )
    } else {
        (
            dm.array_indices_type(),
            dm.array_indices_as_int_32_vector()
                .and_then(|v| v.values())
                .map(|v| v.iter().collect::<Vec<_>>()),
            dm.array_indices_as_uint_16_vector()
                .and_then(|v| v.values())
                .map(|v| v.iter().map(i32::from).collect()),
            dm.array_indices_as_uint_8_vector()
                .and_then(|v| v.values())
                .map(|v| v.iter().map(i32::from).collect()),
        )
    };
    match ty {
        tflite::SparseIndexVector::Int32Vector => Ok(i32v.unwrap_or_default()),
        tflite::SparseIndexVector::Uint16Vector => Ok(u16v.unwrap_or_default()),
        tflite::SparseIndexVector::Uint8Vector => Ok(u8v.unwrap_or_default()),
        _ => Err("have an unsupported index vector type".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "traversal_order = [0, 1, 2], block_map = [1], dim_metadata = \
        <format =  DENSE, dense_size = 2, segments = [], indices = []>, \
        <format =  SPARSE_CSR, dense_size = 0, segments = [0, 1, 300], indices = [0, 70000]>, \
        <format =  DENSE, dense_size = 4, segments = [], indices = []>";

    #[test]
    fn parses_and_prints_what_tensorflow_prints() {
        let sp = SparsityParameters::parse(BODY).unwrap();
        assert_eq!(sp.traversal_order, [0, 1, 2]);
        assert_eq!(sp.block_map, [1]);
        assert_eq!(
            sp.dim_metadata,
            [
                DimensionMetadata::Dense { dense_size: 2 },
                DimensionMetadata::SparseCsr {
                    segments: vec![0, 1, 300],
                    indices: vec![0, 70000]
                },
                DimensionMetadata::Dense { dense_size: 4 },
            ]
        );
        assert_eq!(sp.print(), BODY);
    }

    #[test]
    fn index_arrays_take_the_smallest_vector_type() {
        let sp = SparsityParameters::parse(BODY)
            .unwrap()
            .to_flatbuffer()
            .unwrap();
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
    fn the_flatbuffer_round_trips() {
        let sp = SparsityParameters::parse(BODY).unwrap();
        let mut fbb = flatbuffers::FlatBufferBuilder::new();
        let root = sp.to_flatbuffer().unwrap().pack(&mut fbb);
        fbb.finish_minimal(root);
        let read = flatbuffers::root::<tflite::SparsityParameters>(fbb.finished_data()).unwrap();
        assert_eq!(SparsityParameters::from_flatbuffer(&read).unwrap(), sp);
    }

    #[test]
    fn pushes_integers() {
        let mut s = String::new();
        for v in [0, 7, -1, 1234567890, i32::MIN, i32::MAX] {
            push_int(&mut s, v);
            s.push(' ');
        }
        assert_eq!(s, "0 7 -1 1234567890 -2147483648 2147483647 ");
    }

    #[test]
    fn rejects_malformed_text() {
        for bad in [
            "traversal_order = [0, 1",
            "traversal_order = [0], dim_metadata = <format = ODD>",
            "block_map = []",
            "traversal_order = [0, 1], block_map = [], dim_metadata = <format = DENSE, dense_size = 1>",
            "traversal_order = [99999999999]",
            "traversal_order = [0], block_map = [], dim_metadata = <format = DENSE, dense_size = 1> x",
        ] {
            assert!(SparsityParameters::parse(bad).is_err(), "{bad}");
        }
        let negative = SparsityParameters::parse(
            "traversal_order = [0], block_map = [], dim_metadata = \
             <format = SPARSE_CSR, dense_size = 0, segments = [0, 1], indices = [-1]>",
        )
        .unwrap();
        assert!(negative.to_flatbuffer().is_err());
    }
}
