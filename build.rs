//! Rebuilds when the migrations or the snapshot change (both are compiled in), and works out
//! `TOKENFARE_SOURCE_HASH`: a hash of everything that decides what the site answers (the
//! sources, templates, stylesheet, data, migrations, the locked dependencies and the
//! compiler). Validators are built from it (`web::layout::BUILD_ID`), so every replica running
//! the same release answers the same ETag for the same data, whenever and wherever its binary
//! was copied: an executable's size and mtime would differ between machines.

use std::path::{Path, PathBuf};

/// What the pages are made from, relative to the manifest directory.
const INPUTS: &[&str] = &[
    "src",
    "templates",
    "static",
    "data",
    "migrations",
    "Cargo.toml",
    "Cargo.lock",
];

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=data/snapshot.json");
    for input in INPUTS {
        println!("cargo:rerun-if-changed={input}");
    }
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let mut files = Vec::new();
    for input in INPUTS {
        collect(&root.join(input), &mut files);
    }
    files.sort();
    let mut hash = Fnv::default();
    for file in &files {
        let relative = file.strip_prefix(&root).unwrap_or(file);
        hash.write(relative.to_string_lossy().as_bytes());
        hash.write(&std::fs::read(file).unwrap_or_default());
    }
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    if let Ok(version) = std::process::Command::new(rustc).arg("--version").output() {
        hash.write(&version.stdout);
    }
    println!("cargo:rustc-env=TOKENFARE_SOURCE_HASH={:016x}", hash.0);
}

/// Every file under `path` (or `path` itself).
fn collect(path: &Path, files: &mut Vec<PathBuf>) {
    match std::fs::read_dir(path) {
        Ok(entries) => {
            for entry in entries.flatten() {
                collect(&entry.path(), files);
            }
        }
        Err(_) if path.is_file() => files.push(path.to_path_buf()),
        Err(_) => {}
    }
}

/// 64-bit FNV-1a: no dependency, and stable across Rust releases (unlike `DefaultHasher`).
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        // A separator, so ("ab", "c") and ("a", "bc") differ.
        self.0 = (self.0 ^ 0xff).wrapping_mul(0x0100_0000_01b3);
    }
}
