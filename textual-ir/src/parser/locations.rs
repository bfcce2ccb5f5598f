//! Locations: `loc(...)` with names, file:line:col, callsites, fused lists and aliases.

use std::sync::Arc;

use pest::iterators::Pair;

use tqopt_ir::{Attribute, Diagnostic, Location};

use super::{inner, Builder, PResult};
use crate::grammar::Rule;

impl<'s> Builder<'s> {
    pub(super) fn trailing_loc(&self, pair: Pair<'_, Rule>) -> PResult<Location> {
        let loc = inner(pair)
            .next()
            .ok_or_else(|| Diagnostic::error("empty location"))?;
        self.location(loc)
    }

    pub(super) fn location(&self, pair: Pair<'_, Rule>) -> PResult<Location> {
        let body = inner(pair)
            .next()
            .ok_or_else(|| Diagnostic::error("empty location"))?;
        self.loc_body(body)
    }

    pub(super) fn loc_body(&self, pair: Pair<'_, Rule>) -> PResult<Location> {
        match pair.as_rule() {
            Rule::loc_unknown => Ok(Location::Unknown),
            Rule::loc_alias => match self.attr_aliases.get(&pair.as_str()[1..]) {
                Some(Attribute::Location(l)) => Ok(l.clone()),
                Some(_) => Err(self.err(
                    &pair,
                    format!("'{}' is not a location alias", pair.as_str()),
                )),
                None => Err(self.err(
                    &pair,
                    format!("undefined location alias '{}'", pair.as_str()),
                )),
            },
            Rule::loc_file_or_name => {
                let mut it = inner(pair);
                let name_pair = it
                    .next()
                    .ok_or_else(|| Diagnostic::error("empty location"))?;
                let name: Arc<str> = String::from_utf8_lossy(&self.string_bytes(name_pair)?).into();
                match it.next() {
                    None => Ok(Location::Name { name, child: None }),
                    Some(p) if p.as_rule() == Rule::loc_line_col => {
                        let mut n = inner(p);
                        let line = n.next().and_then(|x| x.as_str().parse().ok()).unwrap_or(0);
                        let col = n.next().and_then(|x| x.as_str().parse().ok()).unwrap_or(0);
                        Ok(Location::FileLineCol {
                            file: name,
                            line,
                            col,
                        })
                    }
                    Some(p) => {
                        let child = inner(p)
                            .next()
                            .ok_or_else(|| Diagnostic::error("empty location"))?;
                        Ok(Location::Name {
                            name,
                            child: Some(Box::new(self.loc_body(child)?)),
                        })
                    }
                }
            }
            Rule::loc_fused => {
                let mut metadata = None;
                let mut locs = Vec::new();
                for p in inner(pair) {
                    if p.as_rule() == Rule::attribute {
                        metadata = Some(Arc::from(p.as_str()));
                    } else {
                        locs.push(self.loc_body(p)?);
                    }
                }
                Ok(Location::Fused { locs, metadata })
            }
            Rule::loc_callsite => {
                let mut it = inner(pair);
                let callee =
                    self.loc_body(it.next().ok_or_else(|| Diagnostic::error("bad callsite"))?)?;
                let caller =
                    self.loc_body(it.next().ok_or_else(|| Diagnostic::error("bad callsite"))?)?;
                Ok(Location::CallSite {
                    callee: Box::new(callee),
                    caller: Box::new(caller),
                })
            }
            _ => Err(self.err(&pair, "malformed location")),
        }
    }
}
