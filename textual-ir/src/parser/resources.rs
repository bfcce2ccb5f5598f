//! The `{-# ... #-}` resource section: `dialect_resources` become the module's blobs
//! (hex with a 4-byte alignment prefix), other groups are kept as text.

use pest::iterators::Pair;

use tqopt_ir::{Blob, Diagnostic, ResourceBlob};

use super::{inner, Builder, PResult};
use crate::grammar::Rule;

impl<'s> Builder<'s> {
    pub(super) fn resources(&mut self, pair: Pair<'_, Rule>) -> PResult<()> {
        for group in inner(pair) {
            let mut it = inner(group);
            let group_name = it
                .next()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default();
            for dialect in it {
                let mut d = inner(dialect);
                let Some(dname) = d.next() else { continue };
                let dname = self.resource_key(dname)?;
                for entry in d {
                    let mut e = inner(entry);
                    let (Some(key), Some(value)) = (e.next(), e.next()) else {
                        continue;
                    };
                    let key = self.resource_key(key)?;
                    let value_pair = inner(value)
                        .next()
                        .ok_or_else(|| Diagnostic::error("empty resource value"))?;
                    let text = match value_pair.as_rule() {
                        Rule::string => self.string_bytes(value_pair.clone())?,
                        _ => value_pair.as_str().as_bytes().to_vec(),
                    };
                    if group_name == "dialect_resources" {
                        let blob = self.resource_blob(&value_pair, &key, &text)?;
                        self.module
                            .resources
                            .entry(dname.clone())
                            .or_default()
                            .insert(key, blob);
                    } else {
                        self.external_resources
                            .entry(dname.clone())
                            .or_default()
                            .insert(key, String::from_utf8_lossy(&text).into_owned());
                    }
                }
            }
        }
        Ok(())
    }

    pub(super) fn resource_key(&self, pair: Pair<'_, Rule>) -> PResult<String> {
        let p = inner(pair)
            .next()
            .ok_or_else(|| Diagnostic::error("empty key"))?;
        Ok(match p.as_rule() {
            Rule::string => String::from_utf8_lossy(&self.string_bytes(p)?).into_owned(),
            _ => p.as_str().to_string(),
        })
    }

    /// `"0x" + 4 bytes of alignment (little endian) + data`.
    /// `"0x" + 4 bytes of alignment (little endian, a power of two, as MLIR requires) + data`,
    /// at most [`super::ParseOptions::max_dense_bytes`] of data.
    pub(super) fn resource_blob(
        &self,
        pair: &Pair<'_, Rule>,
        key: &str,
        text: &[u8],
    ) -> PResult<ResourceBlob> {
        let text = std::str::from_utf8(text).unwrap_or("");
        let hex = text.strip_prefix("0x").ok_or_else(|| {
            self.err(
                pair,
                format!("expected a hex blob \"0x...\" for key '{key}'"),
            )
        })?;
        let data_bytes = (hex.len() / 2).saturating_sub(4) as u64;
        if data_bytes > self.options.max_dense_bytes {
            return Err(self.err(
                pair,
                format!(
                    "resource blob '{key}' holds {data_bytes} bytes, more than the parser's limit of {} bytes for one blob",
                    self.options.max_dense_bytes
                ),
            ));
        }
        let mut bytes = tqopt_ir::hex::decode(hex)
            .ok_or_else(|| self.err(pair, format!("malformed hex in resource blob '{key}'")))?;
        if bytes.len() < 4 {
            return Err(self.err(
                pair,
                format!("resource blob '{key}' lacks its 4-byte alignment prefix"),
            ));
        }
        let alignment = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        if !alignment.is_power_of_two() {
            return Err(self.err(
                pair,
                format!(
                    "expected hex string blob for key '{key}' to encode alignment in first 4 bytes, but got non-power-of-2 value: {alignment}"
                ),
            ));
        }
        bytes.drain(..4);
        Ok(ResourceBlob {
            alignment,
            data: Blob::from_vec(bytes),
        })
    }
}
