//! The admin token: random, created once in the data dir, readable by its
//! owner only.

use crate::data_dir::private::{self, Existing, Written};
use anyhow::{bail, Context};
use std::path::Path;

/// The token in `path`, created (0600) if missing.
pub fn load_or_create_token(path: &Path) -> anyhow::Result<String> {
    match std::fs::read_to_string(path) {
        Ok(t) if t.trim().len() >= 32 => return Ok(t.trim().to_string()),
        Ok(_) => bail!(
            "the admin token file {} is damaged; delete it to make a new one",
            path.display()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| anyhow::anyhow!("no randomness for the admin token: {e}"))?;
    let token = hex::encode(bytes);
    match private::write(path, token.as_bytes(), Existing::Keep)
        .with_context(|| format!("creating {}", path.display()))?
    {
        Written::New(_) => Ok(token),
        // Another process made it first: use theirs.
        Written::Kept => load_or_create_token(path),
    }
}
