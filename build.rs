//! Rebuilds when a built-in policy changes (they are embedded with `include_dir!`).
fn main() {
    println!("cargo:rerun-if-changed=policies");
}
