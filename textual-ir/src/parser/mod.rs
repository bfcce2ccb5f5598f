//! The parser: MLIR text (pest parse tree) to a [`Module`].
//!
//! It reads the generic op form, MLIR's custom forms of `module`, `func.func`, `return` and
//! `func.call`, and TensorFlow's custom forms of tfl ops. Values may be used before they are
//! defined (the verifier checks dominance); a name still undefined when its function ends is an
//! error. Every error names the place: `file:line:col`, shown with the line and a caret.
//!
//! Attributes written in `{...}` on a registered op that the op table declares are stored as
//! properties (TensorFlow's older printers write them that way); on other ops the two
//! dictionaries are kept as written.
//!
//! Layout: this module holds the entry points, the `Builder` state and the file level
//! (aliases, the implicit module); `scope` the SSA names, `ops` the op syntaxes, `regions`
//! regions and blocks, `types` and `quant` the types, `attributes` and `dense` the
//! attributes, `locations` the `loc(...)` forms, `resources` the `{-# #-}` section and
//! `limits` the bounds on nesting and literal sizes ([`ParseOptions`]).

use std::collections::{BTreeMap, HashMap};

use pest::iterators::Pair;
use pest::Parser as _;

use tqopt_ir::dialect;
use tqopt_ir::{Attribute, Diagnostic, Module, OpId, SourceFile, Type};

use crate::grammar::{describe, MlirGrammar, Rule};

mod attributes;
mod dense;
mod dense_numbers;
mod fast;
mod limits;
mod locations;
mod ops;
mod quant;
mod regions;
mod resources;
mod scope;
mod types;

pub use attributes::unescape;
pub use limits::{ParseOptions, DEFAULT_MAX_DENSE_BYTES, DEFAULT_MAX_NESTING};
use scope::Scope;

/// What a file holds besides the module: `external_resources` entries (such as a crash
/// reproducer's pipeline), by group then key, as text.
#[derive(Clone, Debug, Default)]
pub struct Parsed {
    pub module: Module,
    pub external_resources: BTreeMap<String, BTreeMap<String, String>>,
}

type PResult<T> = Result<T, Diagnostic>;

/// Parses `source` into a module, with the default [`ParseOptions`].
pub fn parse(source: &SourceFile) -> PResult<Parsed> {
    parse_with(source, &ParseOptions::default())
}

/// Parses `source` into a module within the limits of `options`.
///
/// The grammar and the tree walk recurse once per nesting level with large frames in debug
/// builds, so they run on a thread of their own with 64 MiB of stack:
/// the deepest file [`ParseOptions::max_nesting`] admits parses whatever the caller's stack
/// (a 2 MiB test thread, the main thread). A panic inside is passed on to the caller.
pub fn parse_with(source: &SourceFile, options: &ParseOptions) -> PResult<Parsed> {
    limits::check_nesting(source, options.max_nesting)?;
    on_parse_stack(|| parse_here(source, options))
}

/// Runs `f` on a thread with [`limits::PARSE_STACK_BYTES`] of stack (or here, when no thread
/// can be had); a panic inside is passed on to the caller.
fn on_parse_stack<T: Send>(f: impl Fn() -> T + Sync) -> T {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("tqopt-parse".into())
            .stack_size(limits::PARSE_STACK_BYTES)
            .spawn_scoped(scope, &f);
        match worker {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            // No thread to be had (a process limit): run here, within the caller's stack.
            Err(_) => f(),
        }
    })
}

/// [`parse_with`] on the calling thread, after the nesting check: the fast reader, or the pest
/// reader when the fast one gives up (on text it does not read, and on every error).
fn parse_here(source: &SourceFile, options: &ParseOptions) -> PResult<Parsed> {
    match fast::parse(source, options) {
        Ok(parsed) => Ok(parsed),
        Err(fast::Bail) => parse_pest(source, options),
    }
}

/// Which reader [`parse_with_reader`] uses.
#[doc(hidden)]
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Reader {
    /// The hand-written op-by-op reader alone; `None` where it gives up.
    Fast,
    /// The pest reader alone (the definition of the language).
    Pest,
}

/// Parses with one reader only, for tests that hold the two readers to the same IR. `None`
/// when the fast reader gives up on the text.
#[doc(hidden)]
pub fn parse_with_reader(
    source: &SourceFile,
    options: &ParseOptions,
    reader: Reader,
) -> Option<PResult<Parsed>> {
    let nesting = limits::check_nesting(source, options.max_nesting);
    match reader {
        Reader::Fast => match nesting {
            Ok(()) => on_parse_stack(|| fast::parse(source, options).ok().map(Ok)),
            Err(_) => None,
        },
        Reader::Pest => Some(nesting.and_then(|()| on_parse_stack(|| parse_pest(source, options)))),
    }
}

/// The pest reader: the whole file into pest's token queue, then the tree into a module.
fn parse_pest(source: &SourceFile, options: &ParseOptions) -> PResult<Parsed> {
    let mut pairs =
        MlirGrammar::parse(Rule::file, source.text()).map_err(|e| syntax_error(source, e))?;
    let file = pairs
        .next()
        .ok_or_else(|| Diagnostic::error("empty parse"))?;
    let mut p = Builder::new(source, *options);
    p.file(file)?;
    Ok(Parsed {
        module: p.module,
        external_resources: p.external_resources,
    })
}

/// Parses text that is not from a file (tests, tools).
pub fn parse_str(name: &str, text: &str) -> PResult<Module> {
    parse(&SourceFile::new(name, text)).map(|p| p.module)
}

fn syntax_error(source: &SourceFile, e: pest::error::Error<Rule>) -> Diagnostic {
    let offset = match e.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let message = match &e.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => {
            let mut names: Vec<&str> = positives.iter().map(|r| describe(*r)).collect();
            names.dedup();
            let mut unique = Vec::new();
            for n in names {
                if !unique.contains(&n) {
                    unique.push(n);
                }
            }
            let found = source.text()[offset..]
                .chars()
                .next()
                .map(|c| format!("'{c}'"))
                .unwrap_or("end of input".into());
            match unique.len() {
                0 => format!("unexpected {found}"),
                1 => format!("expected {}, found {found}", unique[0]),
                _ => {
                    let last = unique.pop().unwrap_or_default();
                    format!("expected {} or {last}, found {found}", unique.join(", "))
                }
            }
        }
        pest::error::ErrorVariant::CustomError { message } => message.clone(),
    };
    Diagnostic::error(message).at(Some(source.pos_of(offset)))
}

/// The state of one parse: the module being built, the open SSA scopes (innermost last) and the
/// aliases and resources read so far. Its methods are spread over this module's children.
struct Builder<'s> {
    src: &'s SourceFile,
    options: ParseOptions,
    module: Module,
    scopes: Vec<Scope>,
    attr_aliases: HashMap<String, Attribute>,
    type_aliases: HashMap<String, Type>,
    external_resources: BTreeMap<String, BTreeMap<String, String>>,
}

fn inner(pair: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    pair.into_inner()
}

impl<'s> Builder<'s> {
    fn new(src: &'s SourceFile, options: ParseOptions) -> Builder<'s> {
        Builder {
            src,
            options,
            module: Module::new(),
            scopes: Vec::new(),
            attr_aliases: HashMap::new(),
            type_aliases: HashMap::new(),
            external_resources: BTreeMap::new(),
        }
    }

    fn err_at(&self, offset: usize, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(message).at(Some(self.src.pos_of(offset)))
    }

    fn err(&self, pair: &Pair<'_, Rule>, message: impl Into<String>) -> Diagnostic {
        self.err_at(pair.as_span().start(), message)
    }

    // ---- file level ----

    fn file(&mut self, file: Pair<'_, Rule>) -> PResult<()> {
        let items: Vec<Pair<'_, Rule>> = inner(file).filter(|p| p.as_rule() != Rule::EOI).collect();
        // Aliases and resources first: location aliases are printed at the end of files.
        for item in &items {
            match item.as_rule() {
                Rule::attr_alias_def => self.attr_alias(item.clone())?,
                Rule::type_alias_def => self.type_alias(item.clone())?,
                Rule::resource_section => self.resources(item.clone())?,
                _ => {}
            }
        }
        let ops: Vec<Pair<'_, Rule>> = items
            .into_iter()
            .filter(|p| p.as_rule() == Rule::operation)
            .collect();
        let single_module = ops.len() == 1 && is_module_op(&ops[0]);
        let body = self.module.body();
        self.scopes.push(Scope::new(true));
        if single_module {
            let root = self.module.op;
            self.operation_into_root(ops[0].clone(), root)?;
        } else {
            for op in ops {
                self.operation(op, body)?;
            }
        }
        self.close_scope()?;
        if !single_module {
            self.unwrap_generic_module()?;
        }
        Ok(())
    }

    /// A file whose only op is a generic `"builtin.module"() ({...})` is that module, not a
    /// module inside an implicit one.
    fn unwrap_generic_module(&mut self) -> PResult<()> {
        let body = self.module.body();
        let ops: Vec<OpId> = self.module.block_ops(body).collect();
        if let [only] = ops[..] {
            if self.module.op(only).is(&dialect::builtin::MODULE)
                && self.module.op(only).regions().len() == 1
            {
                let outer = self.module.op;
                let fail = |e: tqopt_ir::RewriteError| Diagnostic::error(e.to_string());
                self.module.detach(only).map_err(fail)?;
                self.module.erase_op(outer).map_err(fail)?;
                self.module.op = only;
                let region = self.module.op(only).regions()[0];
                if self.module.region(region).blocks().is_empty() {
                    self.module.create_block(region);
                }
            }
        }
        Ok(())
    }

    /// `#name = value` / `!name = value`: the name without its sigil, and the value.
    fn alias_parts<'p>(&self, pair: Pair<'p, Rule>) -> PResult<(String, Pair<'p, Rule>)> {
        let mut it = inner(pair);
        let name = it
            .next()
            .map(|p| p.as_str()[1..].to_string())
            .unwrap_or_default();
        let value = it
            .next()
            .ok_or_else(|| Diagnostic::error("alias without value"))?;
        Ok((name, value))
    }

    fn attr_alias(&mut self, pair: Pair<'_, Rule>) -> PResult<()> {
        let (name, value) = self.alias_parts(pair)?;
        let attr = self.attribute(value)?;
        self.attr_aliases.insert(name, attr);
        Ok(())
    }

    fn type_alias(&mut self, pair: Pair<'_, Rule>) -> PResult<()> {
        let (name, value) = self.alias_parts(pair)?;
        let ty = self.type_(value)?;
        self.type_aliases.insert(name, ty);
        Ok(())
    }
}

fn is_module_op(op: &Pair<'_, Rule>) -> bool {
    op.clone()
        .into_inner()
        .any(|p| p.as_rule() == Rule::module_op)
}
