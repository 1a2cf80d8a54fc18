//! Embeds every `carriers/*.yaml` preset, `mdm/*.yaml` variable table and `templates/*.j2` template in the binary, so adding
//! a preset or a template is adding one file; and turns Apple's payload schemas
//! (`schema/apple/profiles/*.yaml`, from apple/device-management) into the static key table the
//! linter checks every payload against.
use serde_yaml::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
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

/// Payload types whose keys `src/schema.rs` spells out by hand (with secrets, deprecations and
/// port ranges), and the files that describe the profile itself rather than a payload.
const HAND_WRITTEN: &[&str] = &["TopLevel", "CommonPayloadKeys", "com.apple.mail.managed"];

/// Keys every payload has, checked from the hand-written table.
const COMMON: &[&str] = &[
    "PayloadIdentifier",
    "PayloadUUID",
    "PayloadType",
    "PayloadVersion",
    "PayloadDescription",
    "PayloadDisplayName",
    "PayloadOrganization",
];

fn plist_type(t: &str) -> &'static str {
    match t {
        "<string>" => "String",
        "<integer>" => "Integer",
        "<boolean>" => "Boolean",
        "<real>" => "Real",
        "<date>" => "Date",
        "<data>" => "Data",
        "<array>" => "Array",
        "<dictionary>" => "Dictionary",
        _ => "Any",
    }
}

/// One key specification as Rust source (subkeys recursively).
fn key_spec(k: &Value, out: &mut String) {
    let name = k.get("key").and_then(Value::as_str).unwrap_or("ANY");
    let ty = plist_type(k.get("type").and_then(Value::as_str).unwrap_or("<any>"));
    let required = k.get("presence").and_then(Value::as_str) == Some("required");
    let mut allowed = String::from("Allowed::Any");
    if let Some(list) = k.get("rangelist").and_then(Value::as_sequence) {
        if !list.is_empty() && list.iter().all(|v| v.as_str().is_some()) && ty == "String" {
            let items: Vec<String> = list
                .iter()
                .map(|v| format!("{:?}", v.as_str().unwrap()))
                .collect();
            allowed = format!("Allowed::Strings(&[{}])", items.join(", "));
        } else if !list.is_empty() && list.iter().all(|v| v.as_i64().is_some()) && ty == "Integer" {
            let items: Vec<String> = list
                .iter()
                .map(|v| v.as_i64().unwrap().to_string())
                .collect();
            allowed = format!("Allowed::Integers(&[{}])", items.join(", "));
        }
    } else if let Some(r) = k.get("range") {
        let min = r.get("min").and_then(Value::as_i64);
        let max = r.get("max").and_then(Value::as_i64);
        if ty == "Integer" && (min.is_some() || max.is_some()) {
            allowed = format!(
                "Allowed::Range({}, {})",
                min.unwrap_or(i64::MIN),
                max.unwrap_or(i64::MAX)
            );
        }
    }
    if allowed == "Allowed::Any"
        && ty == "Integer"
        && (name.ends_with("Port") || name.ends_with("PortNumber"))
    {
        allowed = "Allowed::Range(1, 65535)".into();
    }
    let default = match k.get("default") {
        Some(Value::Bool(b)) if ty == "Boolean" => format!("Default::Bool({b})"),
        Some(v) if ty == "Integer" && v.as_i64().is_some() => {
            format!("Default::Integer({})", v.as_i64().unwrap())
        }
        _ => "Default::None".into(),
    };
    let secret = ty == "String" && (name.ends_with("Password") || name == "Password");
    let _ = write!(
        out,
        "KeySpec {{ name: {name:?}, ty: PlistType::{ty}, presence: Presence::{}, allowed: {allowed}, default: {default}, deprecated: None, secret: {secret}, sub: &[",
        if required { "Required" } else { "Optional" }
    );
    if let Some(subs) = k.get("subkeys").and_then(Value::as_sequence) {
        for s in subs {
            key_spec(s, out);
            out.push_str(", ");
        }
    }
    out.push_str("] }");
}

/// Apple's schema describes a few recursive structures (an app's sub-apps are app items) with a
/// YAML alias inside its own anchor, which serde_yaml cannot build. Such an alias becomes an
/// empty list: the recursive level is then not checked.
fn cut_recursive_aliases(text: &str) -> String {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for a in 0..lines.len() {
        let Some(pos) = lines[a].find(": &") else {
            continue;
        };
        let anchor = lines[a][pos + 3..].trim().to_string();
        let ia = indent(&lines[a]);
        let alias = format!("*{anchor}");
        for l in lines.iter_mut().skip(a + 1) {
            let il = indent(l);
            let inside = il > ia || (il == ia && l.trim_start().starts_with("- "));
            if !inside && !l.trim().is_empty() {
                break;
            }
            if l.trim_end().ends_with(&alias) {
                *l = l.replace(&alias, "[]");
            }
        }
    }
    lines.join("\n")
}

/// Rust source for the schemas in `schema/apple/DIR/*.yaml`: a static `NAME` of
/// `PayloadSchema`s keyed by the `payload.FIELD` of each file, sorted by type.
fn schemas(out: &mut String, dir: &str, field: &str, name: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schema/apple")
        .join(dir);
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files: Vec<_> = fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", root.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    // Payload type -> (title, keys as source). Several files may describe one payload type
    // (com.apple.MCX): their keys are merged, the first file's spelling winning.
    let mut types: BTreeMap<String, (String, Vec<(String, String)>)> = BTreeMap::new();
    for f in files {
        println!("cargo:rerun-if-changed={}", f.display());
        let text = fs::read_to_string(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let text = cut_recursive_aliases(&text);
        let doc: Value =
            serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let Some(ty) = doc
            .get("payload")
            .and_then(|p| p.get(field))
            .and_then(Value::as_str)
        else {
            continue;
        };
        if HAND_WRITTEN.contains(&ty) || ty == "any" {
            continue;
        }
        let title = doc.get("title").and_then(Value::as_str).unwrap_or(ty);
        let entry = types
            .entry(ty.to_string())
            .or_insert_with(|| (title.to_string(), Vec::new()));
        for k in doc
            .get("payloadkeys")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            let name = k.get("key").and_then(Value::as_str).unwrap_or("ANY");
            // The common keys are checked from the hand-written table.
            if COMMON.contains(&name) {
                continue;
            }
            if entry.1.iter().any(|(n, _)| n == name) {
                continue;
            }
            let mut src = String::new();
            key_spec(k, &mut src);
            entry.1.push((name.to_string(), src));
        }
    }
    out.push_str(&format!("pub static {name}: &[PayloadSchema] = &[\n"));
    for (ty, (title, keys)) in &types {
        let _ = write!(
            out,
            "PayloadSchema {{ payload_type: {ty:?}, title: {title:?}, keys: &["
        );
        for (_, k) in keys {
            out.push_str(k);
            out.push_str(",\n");
        }
        out.push_str("] },\n");
    }
    out.push_str("];\n");
}

fn main() {
    let mut out = String::new();
    embed("carriers", ".yaml", &mut out, "CARRIERS");
    embed("templates", ".j2", &mut out, "TEMPLATES");
    let dest = Path::new(&env::var("OUT_DIR").unwrap()).join("embedded.rs");
    fs::write(dest, out).unwrap();
    let mut mdm = String::new();
    embed("mdm", ".yaml", &mut mdm, "MDMS");
    fs::write(
        Path::new(&env::var("OUT_DIR").unwrap()).join("embedded_mdm.rs"),
        mdm,
    )
    .unwrap();
    let mut schema = String::new();
    schemas(&mut schema, "profiles", "payloadtype", "GENERATED");
    schemas(
        &mut schema,
        "declarations",
        "declarationtype",
        "DECLARATIONS",
    );
    let dest = Path::new(&env::var("OUT_DIR").unwrap()).join("apple_schema.rs");
    fs::write(dest, schema).unwrap();
}
