//! The layout table (LANGUAGE.md §10.3): values of `Struct::field`,
//! `sizeof` and `constexpr` keys, read from JSON files given with `--layout`.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::path::Path;

use crate::json::{self, Value};

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyKind {
    Offset,
    Size,
    Constexpr,
}

impl KeyKind {
    pub fn section(self) -> &'static str {
        match self {
            KeyKind::Offset => "offsets",
            KeyKind::Size => "sizes",
            KeyKind::Constexpr => "constexpr",
        }
    }
}

#[derive(Default, Debug)]
pub struct Layout {
    values: HashMap<(KeyKind, String), (i128, String)>,
}

pub const SCHEMA: &str = "oasm-layout-1";

impl Layout {
    pub fn get(&self, kind: KeyKind, key: &str) -> Option<i128> {
        self.values.get(&(kind, key.to_string())).map(|v| v.0)
    }

    /// Loads one file into the table. Errors are `code: message` pairs.
    pub fn load(&mut self, path: &Path, triple: &str) -> Result<(), (&'static str, String)> {
        let text = std::fs::read_to_string(path).map_err(|e| ("io", format!("cannot read layout `{}`: {e}", path.display())))?;
        self.load_str(&text, &path.display().to_string(), triple)
    }

    pub fn load_str(&mut self, text: &str, origin: &str, triple: &str) -> Result<(), (&'static str, String)> {
        let bad = |m: String| ("layout", format!("{origin}: {m}"));
        let v = json::parse(text).map_err(|e| bad(format!("not valid JSON: {e}")))?;
        let obj = v.as_object().ok_or_else(|| bad("expected a JSON object".into()))?;
        match obj.get("schema").and_then(|s| s.as_str()) {
            Some(SCHEMA) => {}
            _ => return Err(bad(format!("`schema` must be \"{SCHEMA}\""))),
        }
        if let Some(t) = obj.get("target") {
            let t = t.as_str().ok_or_else(|| bad("`target` must be a string".into()))?;
            let same = t == triple || crate::target::Target::from_triple(t).is_ok_and(|x| x.triple == triple);
            if !same {
                return Err(("layout-target-mismatch", format!("{origin} is for target `{t}`, but compiling for `{triple}`")));
            }
        }
        for kind in [KeyKind::Offset, KeyKind::Size, KeyKind::Constexpr] {
            let Some(section) = obj.get(kind.section()) else { continue };
            let section = section.as_object().ok_or_else(|| bad(format!("`{}` must be an object", kind.section())))?;
            for (key, value) in section {
                let n = parse_value(value).ok_or_else(|| {
                    bad(format!("`{}`.`{key}`: expected an integer in [-2^63, 2^64-1] (number or decimal/0x string), got {value}", kind.section()))
                })?;
                let k = (kind, key.clone());
                if let Some((old, from)) = self.values.get(&k) {
                    if *old != n {
                        return Err((
                            "layout-conflict",
                            format!("`{key}` is {old} in {from} but {n} in {origin}"),
                        ));
                    }
                }
                self.values.insert(k, (n, origin.to_string()));
            }
        }
        Ok(())
    }
}

/// The target a layout table names (its `target` field, normalised), if it
/// names one that offasm supports. Anything else is left to [`Layout::load_str`]
/// to report.
pub fn declared_target(text: &str) -> Option<String> {
    let v = json::parse(text).ok()?;
    let t = v.as_object()?.get("target")?.as_str()?;
    crate::target::Target::from_triple(t).ok().map(|t| t.triple)
}

fn parse_value(v: &Value) -> Option<i128> {
    let n: i128 = match v {
        Value::Number(_) => v.as_integer()?,
        Value::String(s) => {
            let (neg, digits) = match s.strip_prefix('-') {
                Some(d) => (true, d),
                None => (false, s.strip_prefix('+').unwrap_or(s)),
            };
            let mag = match digits.strip_prefix("0x") {
                Some(h) => i128::from_str_radix(h, 16).ok()?,
                None => digits.parse::<i128>().ok()?,
            };
            if neg { -mag } else { mag }
        }
        _ => return None,
    };
    (-(1i128 << 63)..=(u64::MAX as i128)).contains(&n).then_some(n)
}

/// The skeleton printed by `--print-layout-keys`: every needed key with `null`.
pub fn skeleton(triple: &str, keys: &BTreeMap<(KeyKind, String), ()>) -> String {
    let mut root = json::Map::new();
    root.insert("schema".into(), Value::String(SCHEMA.into()));
    root.insert("target".into(), Value::String(triple.into()));
    for kind in [KeyKind::Offset, KeyKind::Size, KeyKind::Constexpr] {
        let mut m = json::Map::new();
        for (k, key) in keys.keys() {
            if *k == kind {
                m.insert(key.clone(), Value::Null);
            }
        }
        root.insert(kind.section().into(), Value::Object(m));
    }
    let mut s = json::to_string_pretty(&Value::Object(root));
    s.push('\n');
    s
}
