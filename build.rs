//! How the release `stile` executable is linked on x86-64 Linux, for its resident memory (issue
//! 19; figures in bench/README.md, "Idle memory"). Nothing here applies to the dev and test
//! profiles, to the library or to the tests and benches.
//!
//! - The functions that start-up and the endpoints run (`link/hot-functions.txt`, made by
//!   `scripts/hot_functions.sh`) are placed side by side at the head of the code. The kernel maps
//!   an executable's pages around each page it touches (fault-around, 64 KB or a whole large
//!   folio), so the code that runs, scattered through 27 MB, kept 16 MB of it resident; side by
//!   side it keeps about 4 MB. The list's mangled names carry hashes that change with the
//!   toolchain and the dependencies, so besides the exact list (`--symbol-ordering-file`) a linker
//!   script gathers the same functions by their names without the hash: a stale list then still
//!   groups most of them, and a name found nowhere is skipped.
//! - Relative relocations are packed (`DT_RELR`, glibc 2.36 or later): the dynamic loader reads
//!   16 KB of them at start instead of 1.3 MB.
//!
//! `STILE_PLAIN_LINK=1` turns both off (for a linker other than the toolchain's `rust-lld`).

use std::env;
use std::fs;
use std::path::PathBuf;

const LIST: &str = "link/hot-functions.txt";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={LIST}");
    println!("cargo:rerun-if-env-changed=STILE_PLAIN_LINK");
    let release = env::var("PROFILE").is_ok_and(|p| p == "release");
    let target = env::var("TARGET").unwrap_or_default();
    if !release || target != "x86_64-unknown-linux-gnu" || env::var_os("STILE_PLAIN_LINK").is_some() {
        return;
    }
    println!("cargo:rustc-link-arg-bin=stile=-Wl,-z,pack-relative-relocs");
    let (Ok(dir), Ok(out)) = (env::var("CARGO_MANIFEST_DIR"), env::var("OUT_DIR")) else {
        return;
    };
    let list = PathBuf::from(dir).join(LIST);
    let Ok(names) = fs::read_to_string(&list) else {
        println!("cargo:warning={LIST} is missing: the release executable is linked without its hot-code layout");
        return;
    };
    let script = PathBuf::from(out).join("hot-functions.ld");
    if fs::write(&script, linker_script(&names)).is_err() {
        return;
    }
    println!("cargo:rustc-link-arg-bin=stile=-Wl,--symbol-ordering-file={}", list.display());
    println!("cargo:rustc-link-arg-bin=stile=-Wl,--no-warn-symbol-ordering");
    println!("cargo:rustc-link-arg-bin=stile=-Wl,-T,{}", script.display());
}

/// An output section `.text.hot`, before `.text`, of every function section whose name matches a
/// listed name with its hashes wildcarded: `17h<hash>E` of the legacy mangling, the crate
/// disambiguators `Cs<hash>_` of v0, and the `.llvm.<number>` suffix of a promoted local symbol.
fn linker_script(names: &str) -> String {
    let mut seen = std::collections::HashSet::new();
    let mut s = String::from("SECTIONS {\n  .text.hot : {\n    *(\n");
    for name in names.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let pattern = wildcard_hashes(name);
        // Glob metacharacters or spaces would not match the section name literally.
        if pattern.contains(['[', ']', '?', '\\', ' ', '(', ')']) || !seen.insert(pattern.clone()) {
            continue;
        }
        s.push_str("      .text.");
        s.push_str(&pattern);
        s.push('\n');
    }
    s.push_str("    )\n  }\n}\nINSERT BEFORE .text;\n");
    s
}

fn wildcard_hashes(name: &str) -> String {
    let name = match name.find(".llvm.") {
        Some(i) => name.get(..i).unwrap_or(name),
        None => name,
    };
    if name.starts_with("_ZN") {
        // ...17h0123456789abcdefE
        if let Some(i) = name.rfind("17h")
            && name.len() == i + 3 + 16 + 1
            && name.ends_with('E')
        {
            return format!("{}17h*", name.get(..i).unwrap_or(name));
        }
        return name.to_owned();
    }
    if name.starts_with("_R") {
        let mut out = String::with_capacity(name.len());
        let mut rest = name;
        while let Some(i) = rest.find("Cs") {
            out.push_str(rest.get(..i + 2).unwrap_or(""));
            let after = rest.get(i + 2..).unwrap_or("");
            let end = after.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(after.len());
            if after.get(end..end + 1) == Some("_") && end > 0 {
                out.push('*');
                rest = after.get(end..).unwrap_or("");
            } else {
                rest = after;
            }
        }
        out.push_str(rest);
        return out;
    }
    name.to_owned()
}
