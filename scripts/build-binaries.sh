#!/usr/bin/env bash
# Sourced by the test scripts: builds, in the one profile every test uses (release), the
# binaries the lit, Python and interop tests run — the tqopt command and the interpreter and
# round-trip examples — and exports where they are (TQOPT_BIN_DIR, TQOPT_BIN,
# TQOPT_INTERP_RUN, TQOPT_ROUNDTRIP).
#
# It builds them for the whole workspace with its dev-dependencies, as `cargo test --release
# --workspace` does: cargo then resolves the same features and reuses that build instead of
# compiling the workspace a second time (a `-p tqopt` build differs in one dependency's
# features and would recompile six crates).
cargo build --release --locked --quiet --workspace --exclude tqopt-python --bins --examples
TQOPT_BIN_DIR="$PWD/target/release"
export TQOPT_BIN_DIR
export TQOPT_BIN="$TQOPT_BIN_DIR/tqopt"
export TQOPT_INTERP_RUN="$TQOPT_BIN_DIR/examples/run"
export TQOPT_ROUNDTRIP="$TQOPT_BIN_DIR/examples/roundtrip"
