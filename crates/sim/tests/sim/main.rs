//! The simulated panel's own tests, one binary: it answers like a real panel
//! and every fault does what it says (`provider`), and its streams are real,
//! paced, clean MPEG-TS (`streams`).

mod provider;
mod streams;
