//! Embeds every `carriers/*.yaml` preset and `templates/*.j2` template in the binary, so adding
//! a preset or a template is adding one file.
use std::{env, fs, path::Path};

fn embed(dir: &str, ext: &str, out: &mut String, konst: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    println!("cargo:rerun-if-changed={}", root.display());
    let mut names: Vec<String> = fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", root.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(ext))
        .collect();
    names.sort();
    out.push_str(&format!("pub const {konst}: &[(&str, &str)] = &[\n"));
    for n in names {
        let p = root.join(&n);
        println!("cargo:rerun-if-changed={}", p.display());
        out.push_str(&format!(
            "    ({n:?}, include_str!({:?})),\n",
            p.display().to_string()
        ));
    }
    out.push_str("];\n");
}

fn main() {
    let mut out = String::new();
    embed("carriers", ".yaml", &mut out, "CARRIERS");
    embed("templates", ".j2", &mut out, "TEMPLATES");
    let dest = Path::new(&env::var("OUT_DIR").unwrap()).join("embedded.rs");
    fs::write(dest, out).unwrap();
}
