//! A small tmpfs mounted for one test, so a disk can fill up for real
//! (root only: CI runs as root). Unmounted on drop, panics included.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A tmpfs of a fixed size on a fresh temp dir.
pub struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mounts a `size_mib` MiB tmpfs; fails (never skips) when not root.
    pub fn mount(size_mib: u32) -> Tmpfs {
        crate::netns::require(&[("mount", "apt-get install mount")]);
        let dir = tempfile::Builder::new()
            .prefix("sf-tmpfs-")
            .tempdir()
            .expect("a mount point");
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size_mib}m"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("running mount");
        assert!(
            status.success(),
            "mounting a tmpfs on {}",
            dir.path().display()
        );
        Tmpfs { dir }
    }

    /// Where it is mounted.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a filler file until the filesystem is full; its path (remove it
    /// to give the space back).
    pub fn fill(&self) -> PathBuf {
        let path = self.path().join("filler");
        let mut file = std::fs::File::create(&path).expect("the filler file");
        let block = vec![0u8; 1 << 16];
        // Bounded: the tmpfs is small, so this ends with ENOSPC long before.
        for _ in 0..(1 << 20) {
            if file.write_all(&block).and_then(|_| file.flush()).is_err() {
                return path;
            }
        }
        panic!("{} never filled up", self.path().display());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}
