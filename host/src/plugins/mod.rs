//! The plugin runtime: one wasmtime engine, components compiled once and
//! cached on disk, every call sandboxed (no WASI capability granted) and
//! bounded (deadline, memory cap, answer size; for bulk calls grown with the
//! input, see [`budget`]). A misbehaving plugin becomes a [`CallError`] and
//! an event; the host keeps serving.
//!
//! Contract versions live in [`bindings`], one module per frozen `wit/` folder;
//! calls take and give the host's own [`model`](crate::model) types.

pub mod bindings;
pub mod budget;
#[cfg(test)]
mod budget_tests;
pub mod builtin;
mod cache;
mod call;
pub mod camera;
pub mod download;
pub mod engine;
pub mod error;
pub mod inspect;
pub mod loaded;
pub mod manifest;
pub mod matcher;
pub mod provider;
pub mod registry;
pub mod sandbox;

pub use budget::BulkBudget;
pub use error::{CallError, InstallError};
pub use inspect::World;
pub use loaded::{Limits, Plugin};
pub use manifest::Manifest;
pub use registry::PluginRegistry;
pub use sandbox::CallLimits;
