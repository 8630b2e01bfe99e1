//! Hash maps with a fixed-key hasher.
//!
//! `std`'s default `RandomState` seeds itself from `wasi:random`, which would
//! make the component import it; the matcher needs no randomness, so its maps
//! use SipHash with fixed keys: same speed, deterministic, one import fewer.
//! Hostile names could in principle be crafted to collide; the host's per-call
//! deadline bounds that.

#![deny(missing_docs)]

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, DefaultHasher};

/// A `HashMap` that needs no random seed.
pub type Map<K, V> = HashMap<K, V, BuildHasherDefault<DefaultHasher>>;
