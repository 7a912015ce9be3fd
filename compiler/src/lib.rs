//! dcnc: compiles one spec of a multistore Glance DCN deployment (`dcn.yaml`) into the TripleO
//! environment files, scripts and configuration that deploy it.
//!
//! The pipeline runs one way: [`spec::parse`] → [`check::check`] → [`graph::plan`] →
//! [`emit::emit`] → [`write::write_tree`]. Only `write` and `cli` (reading the spec, writing its
//! own pages) do I/O.
//! Modules depend only on the ones below them (ARCHITECTURE.md lists the layers;
//! `tests/layers.rs` enforces them).

pub mod check;
pub mod cli;
pub mod diag;
pub mod docs;
pub mod emit;
pub mod graph;
pub mod import;
pub mod kinds;
pub mod model;
pub mod params;
pub mod pipeline;
pub mod plan;
pub mod spec;
pub mod target;
pub mod write;

pub use pipeline::{compile, Compiled};
