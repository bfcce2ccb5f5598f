//! The shared models through import -> export -> import -> export: stable bytes, the same IR,
//! and the file layout design.md section 7 asks for (buffer 0 empty, 16-byte aligned data,
//! operator codes with both fields and the right versions, min_runtime_version, signature
//! defs, tensor names).

mod common;

use std::collections::HashMap;

use common::*;
use tqopt_backend::runtime_version::min_runtime_version;
use tqopt_backend::BUFFER_ALIGNMENT;
use tqopt_frontend::schema::tflite::BuiltinOperator;
use tqopt_ir::dialect::tfl;
use tqopt_ir::Attribute;

#[test]
fn export_import_export_gives_identical_bytes() {
    for path in models() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let first = export(&import_file(&path));
        let reimported = import_bytes(&first);
        let second = export(&reimported);
        assert!(
            first == second,
            "{name}: the second export differs from the first"
        );
        // And once more from the second file: the IR stays the same too.
        assert_eq!(text(&import_bytes(&second)), text(&reimported), "{name}");
    }
}

#[test]
fn reimported_ir_prints_identically() {
    for path in models() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let original = import_file(&path);
        let reimported = import_bytes(&export(&original));
        // The differences allowed: a min_runtime_version entry the original lacked, and a
        // constant the importer located at an op (a reshape's new_shape option) coming back
        // with a `_N` suffix, since the tensor names of a subgraph are made unique.
        let a = text_without_runtime_version(&original);
        let b = text_without_runtime_version(&reimported);
        let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
        let same = |x: &&str, y: &&str| x == y || same_but_for_name_suffix(x, y);
        if la.len() != lb.len() || !la.iter().zip(&lb).all(|(x, y)| same(x, y)) {
            let k = la
                .iter()
                .zip(&lb)
                .position(|(x, y)| !same(x, y))
                .unwrap_or(0);
            panic!(
                "{name}: the re-imported IR differs at line {}:\n- {}\n+ {}",
                k + 1,
                la.get(k).unwrap_or(&""),
                lb.get(k).unwrap_or(&"")
            );
        }
        let version = |m: &tqopt_ir::Module| {
            m.op(m.op)
                .attr("tfl.metadata")
                .and_then(Attribute::as_dict)
                .and_then(|d| d.get("min_runtime_version").cloned())
        };
        if let Some(v) = version(&original) {
            assert_eq!(
                Some(v),
                version(&reimported),
                "{name}: min_runtime_version differs from the converter's"
            );
        }
    }
}

#[test]
fn buffers_are_16_byte_aligned_and_buffer_0_is_empty() {
    for path in models() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = export(&import_file(&path));
        assert_eq!(bytes.len() % BUFFER_ALIGNMENT, 0, "{name}: file size");
        let model = root(&bytes);
        let buffers = model.buffers().unwrap();
        let b0 = buffers.get(0);
        assert!(
            b0.data().is_none_or(|d| d.is_empty()) && b0.offset() == 0 && b0.size() == 0,
            "{name}: buffer 0 is not empty"
        );
        let start = bytes.as_ptr() as usize;
        let mut with_data = 0;
        for (i, b) in buffers.iter().enumerate() {
            let Some(d) = b.data().filter(|d| !d.is_empty()) else {
                continue;
            };
            let at = d.bytes().as_ptr() as usize - start;
            assert_eq!(at % 16, 0, "{name}: buffer {i} starts at offset {at}");
            with_data += 1;
        }
        assert!(with_data > 10, "{name}: only {with_data} buffers with data");
    }
}

#[test]
fn operator_codes_have_both_fields_and_the_largest_version() {
    for path in models() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let module = import_file(&path);
        // The version each (code, custom code) needs, from the IR's op table.
        let mut want: HashMap<(i32, String), i32> = HashMap::new();
        for op in module.all_ops() {
            let data = module.op(op);
            let Some(def) = data.def() else { continue };
            let Some(t) = def.tflite else { continue };
            let custom = if data.is(&tfl::CUSTOM) {
                data.attr("custom_code")
                    .and_then(Attribute::as_str)
                    .unwrap()
                    .to_string()
            } else {
                String::new()
            };
            let v = def.tflite_version(&module.ctx, op);
            let e = want.entry((t.code, custom)).or_insert(v);
            *e = (*e).max(v);
        }
        let bytes = export(&module);
        let model = root(&bytes);
        let codes = model.operator_codes().unwrap();
        assert_eq!(codes.len(), want.len(), "{name}: operator code count");
        for c in codes.iter() {
            let code = c.builtin_code().0;
            assert_eq!(
                c.deprecated_builtin_code() as i32,
                code.min(127),
                "{name}: deprecated_builtin_code"
            );
            let key = (code, c.custom_code().unwrap_or("").to_string());
            assert_eq!(
                Some(&c.version()),
                want.get(&key),
                "{name}: version of {key:?}"
            );
        }
        // Every operator's code index is in range.
        for sg in model.subgraphs().unwrap() {
            for op in sg.operators().unwrap() {
                assert!((op.opcode_index() as usize) < codes.len());
            }
        }
    }
}

#[test]
fn min_runtime_version_is_computed_from_the_operator_codes() {
    let mut seen = HashMap::new();
    for path in models() {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let bytes = export(&import_file(&path));
        let model = root(&bytes);
        let entries = model
            .metadata()
            .unwrap()
            .iter()
            .filter(|m| m.name() == Some("min_runtime_version"))
            .count();
        assert_eq!(entries, 1, "{name}");
        let value = runtime_version_entry(&bytes).unwrap();
        assert_eq!(value.len(), 16, "{name}: the entry is 16 bytes");
        let codes: Vec<(BuiltinOperator, i32)> = model
            .operator_codes()
            .unwrap()
            .iter()
            .map(|c| (c.builtin_code(), c.version()))
            .collect();
        let want = min_runtime_version(codes);
        assert_eq!(&value[..want.len()], want.as_bytes(), "{name}");
        assert!(value[want.len()..].iter().all(|&b| b == 0), "{name}");
        seen.insert(name, want);
    }
    // The converter's own values, where the original files carry one.
    assert_eq!(seen["hand_landmark"], "1.14.0");
    assert_eq!(seen["pose_detection"], "2.2.0");
    assert_eq!(seen["pose_landmark_lite"], "2.2.0");
}

#[test]
fn signature_defs_and_tensor_names_survive() {
    for path in models() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let original = std::fs::read(&path).unwrap();
        let bytes = export(&import_file(&path));
        let (a, b) = (root(&original), root(&bytes));
        let (sa, sb) = (a.subgraphs().unwrap().get(0), b.subgraphs().unwrap().get(0));
        let names = |sg: &tqopt_frontend::schema::tflite::SubGraph<'_>, list: Vec<i32>| {
            let tensors = sg.tensors().unwrap();
            list.into_iter()
                .map(|i| tensors.get(i as usize).name().unwrap_or("").to_string())
                .collect::<Vec<_>>()
        };
        for (which, la, lb) in [
            ("inputs", sa.inputs().unwrap(), sb.inputs().unwrap()),
            ("outputs", sa.outputs().unwrap(), sb.outputs().unwrap()),
        ] {
            assert_eq!(
                names(&sa, la.iter().collect()),
                names(&sb, lb.iter().collect()),
                "{name}: subgraph {which}"
            );
        }
        // Every tensor name of the original is still there (constants nobody reads aside).
        let all = |sg: &tqopt_frontend::schema::tflite::SubGraph<'_>| {
            sg.tensors()
                .unwrap()
                .iter()
                .map(|t| t.name().unwrap_or("").to_string())
                .collect::<std::collections::HashSet<_>>()
        };
        let (na, nb) = (all(&sa), all(&sb));
        let missing: Vec<_> = na.difference(&nb).collect();
        assert!(missing.is_empty(), "{name}: tensor names lost: {missing:?}");
        // The signature: serving_default, keyed by the input and output tensor names.
        let sigs = b.signature_defs().unwrap();
        assert_eq!(sigs.len(), 1, "{name}");
        let sig = sigs.get(0);
        assert_eq!(sig.signature_key(), Some("serving_default"));
        assert_eq!(sig.subgraph_index(), 0);
        let tensors = sb.tensors().unwrap();
        for tm in sig
            .inputs()
            .unwrap()
            .iter()
            .chain(sig.outputs().unwrap().iter())
        {
            assert_eq!(
                tensors.get(tm.tensor_index() as usize).name(),
                tm.name(),
                "{name}: signature entry names its tensor"
            );
        }
        assert_eq!(b.description(), a.description(), "{name}");
    }
}

/// Exporting reads each constant once and then releases the mapped pages; reading them again
/// (a second export from the same module) must give the same bytes.
#[test]
fn released_pages_are_read_again() {
    let path = model("pose_detection.tflite");
    let module = import_file(&path);
    let first = export(&module);
    let second = export(&module);
    assert!(first == second);
}

/// The IR printed as text and parsed back exports to the same file as the IR itself: the text
/// keeps everything the file needs (hex constants, locations, attributes).
#[test]
fn printed_and_parsed_ir_exports_the_same_file() {
    for path in models() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let module = import_file(&path);
        let direct = export(&module);
        let parsed = tqopt_textual_ir::parse_str(&name, &text(&module))
            .unwrap_or_else(|d| panic!("{name}: the printed IR does not parse: {d:?}"));
        assert!(export(&parsed) == direct, "{name}: the file differs");
    }
}

/// Whether two printed constants differ only in a `_N` suffix on their location name.
fn same_but_for_name_suffix(original: &str, reimported: &str) -> bool {
    if !original.contains("tfl.pseudo_const") {
        return false;
    }
    let (Some(a), Some(b)) = (original.rfind("loc(\""), reimported.rfind("loc(\"")) else {
        return false;
    };
    if original[..a] != reimported[..b] {
        return false;
    }
    let name = |s: &str| s.trim_end_matches("\")").to_string();
    let (na, nb) = (name(&original[a + 5..]), name(&reimported[b + 5..]));
    nb.strip_prefix(&na)
        .and_then(|rest| rest.strip_prefix('_'))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()))
}
