//! Tests of the TFLite operator versioning rules (`tfl_versions`), each against the version
//! TensorFlow's op_version.cc gives the same op.

use std::sync::Arc;

use super::*;
use crate::attributes::Attribute;
use crate::context::OpSpec;
use crate::dialect::OpDef;
use crate::dialect::{all_ops, func};
use crate::entity::BlockId;
use crate::types::{ElementType, FloatKind, IntType, Signedness};

/// A function body to build ops in, one op at a time.
struct Builder {
    ctx: Context,
    block: BlockId,
}

impl Builder {
    fn new() -> Builder {
        let mut ctx = Context::new();
        let f = ctx.create_op(
            OpSpec::of(&func::FUNC)
                .property("sym_name", Attribute::string("main"))
                .regions(1),
        );
        let region = ctx.op(f).regions()[0];
        let block = ctx.create_block(region);
        Builder { ctx, block }
    }

    /// A function argument of type `ty`.
    fn arg(&mut self, ty: Type) -> ValueId {
        self.ctx.add_block_arg(self.block, ty, Default::default())
    }

    /// The result of a `def` op with no operands (a constant).
    fn constant(&mut self, def: &'static OpDef, ty: Type) -> ValueId {
        let op = self.ctx.create_op(OpSpec::of(def).results([ty]));
        self.ctx.append_op(self.block, op).unwrap();
        self.ctx.result(op, 0).unwrap()
    }

    fn none(&mut self) -> ValueId {
        self.constant(&tfl::NO_VALUE, Type::None)
    }

    /// Appends a `def` op and returns its TFLite version.
    fn version(
        &mut self,
        def: &'static OpDef,
        operands: &[ValueId],
        results: &[Type],
        attrs: &[(&str, Attribute)],
    ) -> i32 {
        let mut spec = OpSpec::of(def)
            .operands(operands)
            .results(results.iter().cloned());
        for (name, value) in attrs {
            spec = if name.starts_with("tqopt.") {
                spec.attribute(name, value.clone())
            } else {
                spec.property(name, value.clone())
            };
        }
        let op = self.ctx.create_op(spec);
        self.ctx.append_op(self.block, op).unwrap();
        def.tflite_version(&self.ctx, op)
    }
}

fn t(shape: &[i64], elem: ElementType) -> Type {
    Type::tensor(shape, elem)
}

fn f32t(shape: &[i64]) -> Type {
    t(shape, ElementType::F32)
}

fn quant(width: u32, signed: bool, scale: f64, zero_point: i64) -> ElementType {
    let storage = IntType {
        width,
        signedness: if signed {
            Signedness::Signed
        } else {
            Signedness::Unsigned
        },
    };
    ElementType::Quant(Arc::new(UniformQuant::per_tensor(
        storage,
        FloatKind::F32,
        scale,
        zero_point,
    )))
}

fn qi8(scale: f64, zp: i64) -> ElementType {
    quant(8, true, scale, zp)
}

fn qu8(scale: f64, zp: i64) -> ElementType {
    quant(8, false, scale, zp)
}

fn qi16(scale: f64) -> ElementType {
    quant(16, true, scale, 0)
}

fn qi32(scale: f64) -> ElementType {
    quant(32, true, scale, 0)
}

/// Symmetric narrow-range int8 weights, one scale per index of `axis`.
fn qi8_axis(axis: i32, n: usize) -> ElementType {
    ElementType::Quant(Arc::new(UniformQuant {
        storage: IntType {
            width: 8,
            signedness: Signedness::Signed,
        },
        storage_min: -127,
        storage_max: 127,
        expressed: FloatKind::F32,
        params: QuantParams::PerAxis {
            axis,
            scales: (0..n).map(|i| 0.01 * (i + 1) as f64).collect(),
            zero_points: vec![0; n],
        },
    }))
}

fn s(text: &str) -> Attribute {
    Attribute::string(text)
}

fn conv_attrs(dilation: i32) -> Vec<(&'static str, Attribute)> {
    vec![
        ("dilation_h_factor", Attribute::i32(dilation)),
        ("dilation_w_factor", Attribute::i32(dilation)),
        ("fused_activation_function", s("NONE")),
        ("padding", s("SAME")),
        ("stride_h", Attribute::i32(1)),
        ("stride_w", Attribute::i32(1)),
        ("depth_multiplier", Attribute::i32(1)),
    ]
}

/// conv_2d or depthwise_conv_2d with activations `act`, filter `filter` (8 output channels
/// for conv, 8 channels in dimension 3 for depthwise), bias `bias` and output `out`.
fn conv(
    def: &'static OpDef,
    act: ElementType,
    filter: ElementType,
    bias: ElementType,
    out: ElementType,
    dilation: i32,
) -> i32 {
    let mut b = Builder::new();
    let x = b.arg(t(&[1, 8, 8, 8], act));
    let filter_shape: &[i64] = if def.name == "tfl.conv_2d" {
        &[8, 3, 3, 8]
    } else {
        &[1, 3, 3, 8]
    };
    let w = b.constant(&tfl::PSEUDO_QCONST, t(filter_shape, filter));
    let bias = b.constant(&tfl::PSEUDO_CONST, t(&[8], bias));
    b.version(
        def,
        &[x, w, bias],
        &[t(&[1, 8, 8, 8], out)],
        &conv_attrs(dilation),
    )
}

#[test]
fn tflite_types_of_ir_types() {
    use ElementType as E;
    assert_eq!(TflType::of(&f32t(&[2])), Float32);
    assert_eq!(TflType::of(&t(&[2], E::F16)), Float16);
    assert_eq!(TflType::of(&t(&[2], E::I1)), Bool);
    assert_eq!(TflType::of(&t(&[2], E::UI8)), UInt8);
    assert_eq!(TflType::of(&t(&[2], qi8(0.1, 0))), Int8);
    assert_eq!(TflType::of(&t(&[2], qu8(0.1, 128))), UInt8);
    assert_eq!(TflType::of(&t(&[2], qi16(0.1))), Int16);
    assert_eq!(TflType::of(&t(&[2], qi32(0.1))), Int32);
    assert_eq!(
        TflType::of(&t(&[2], E::Opaque("!tf_type.string".into()))),
        String
    );
    assert_eq!(TflType::of(&Type::None), NoType);
}

#[test]
fn every_tflite_op_has_a_rule() {
    for def in all_ops() {
        if def.tflite.is_some() {
            assert!(def.version.is_some(), "{} has no version rule", def.name);
        }
    }
}

#[test]
fn conv_2d() {
    let f = ElementType::F32;
    assert_eq!(
        conv(&tfl::CONV_2D, f.clone(), f.clone(), f.clone(), f.clone(), 1),
        1
    );
    // Full-integer int8: per-channel int8 filter, int32 bias.
    assert_eq!(
        conv(
            &tfl::CONV_2D,
            qi8(0.1, -128),
            qi8_axis(0, 8),
            qi32(0.001),
            qi8(0.2, -128),
            1
        ),
        3
    );
    // uint8 stays 1.
    assert_eq!(
        conv(
            &tfl::CONV_2D,
            qu8(0.1, 128),
            qu8(0.1, 128),
            qi32(0.01),
            qu8(0.2, 128),
            1
        ),
        1
    );
    // Hybrid, per-tensor and per-channel weights.
    assert_eq!(
        conv(
            &tfl::CONV_2D,
            f.clone(),
            qi8(0.1, 0),
            f.clone(),
            f.clone(),
            1
        ),
        2
    );
    assert_eq!(
        conv(
            &tfl::CONV_2D,
            f.clone(),
            qi8_axis(0, 8),
            f.clone(),
            f.clone(),
            1
        ),
        5
    );
    // 16x8: int16 activations, int8 filter, int64 bias.
    let qi64 = quant(64, true, 1e-6, 0);
    assert_eq!(
        conv(
            &tfl::CONV_2D,
            qi16(1e-3),
            qi8_axis(0, 8),
            qi64,
            qi16(2e-3),
            1
        ),
        4
    );
}

#[test]
fn conv_2d_grouped() {
    let mut b = Builder::new();
    let x = b.arg(f32t(&[1, 8, 8, 8]));
    let w = b.constant(&tfl::PSEUDO_CONST, f32t(&[8, 3, 3, 4]));
    let bias = b.none();
    let v = b.version(
        &tfl::CONV_2D,
        &[x, w, bias],
        &[f32t(&[1, 8, 8, 8])],
        &conv_attrs(1),
    );
    assert_eq!(v, 6);
}

#[test]
fn depthwise_conv_2d() {
    let dw = &tfl::DEPTHWISE_CONV_2D;
    let f = ElementType::F32;
    assert_eq!(conv(dw, f.clone(), f.clone(), f.clone(), f.clone(), 1), 1);
    assert_eq!(conv(dw, f.clone(), f.clone(), f.clone(), f.clone(), 2), 2);
    let int8 = |dilation| {
        conv(
            dw,
            qi8(0.1, -128),
            qi8_axis(3, 8),
            qi32(0.001),
            qi8(0.2, -128),
            dilation,
        )
    };
    assert_eq!(int8(1), 3);
    assert_eq!(int8(2), 3, "int8 is checked before dilation");
    assert_eq!(conv(dw, f.clone(), qi8(0.1, 0), f.clone(), f.clone(), 1), 4);
    assert_eq!(
        conv(dw, f.clone(), qi8_axis(3, 8), f.clone(), f.clone(), 1),
        6
    );
    let qi64 = quant(64, true, 1e-6, 0);
    assert_eq!(conv(dw, qi16(1e-3), qi8_axis(3, 8), qi64, qi16(2e-3), 1), 5);
}

#[test]
fn transpose_conv() {
    let mut b = Builder::new();
    let shape = b.arg(t(&[4], ElementType::I32));
    let w = b.constant(&tfl::PSEUDO_QCONST, t(&[8, 3, 3, 8], qi8_axis(0, 8)));
    let x = b.arg(t(&[1, 8, 8, 8], qi8(0.1, 0)));
    let none = b.none();
    let bias = b.constant(&tfl::PSEUDO_QCONST, t(&[8], qi32(0.001)));
    let out = [t(&[1, 16, 16, 8], qi8(0.2, 0))];
    let attrs = |act: &str| {
        vec![
            ("fused_activation_function", s(act)),
            ("padding", s("SAME")),
            ("stride_h", Attribute::i32(2)),
            ("stride_w", Attribute::i32(2)),
        ]
    };
    let tc = &tfl::TRANSPOSE_CONV;
    assert_eq!(b.version(tc, &[shape, w, x, none], &out, &attrs("NONE")), 2);
    assert_eq!(b.version(tc, &[shape, w, x, bias], &out, &attrs("NONE")), 3);
    assert_eq!(b.version(tc, &[shape, w, x, bias], &out, &attrs("RELU")), 4);
    let wf = b.constant(&tfl::PSEUDO_CONST, f32t(&[8, 3, 3, 8]));
    let xf = b.arg(f32t(&[1, 8, 8, 8]));
    let outf = [f32t(&[1, 16, 16, 8])];
    assert_eq!(
        b.version(tc, &[shape, wf, xf, none], &outf, &attrs("NONE")),
        1
    );
}

/// fully_connected with input `act`, weights `w` (16 units), bias `bias` and output `out`.
fn fc(
    act: ElementType,
    w: ElementType,
    bias: Option<ElementType>,
    out: ElementType,
    attrs: &[(&str, Attribute)],
) -> i32 {
    let mut b = Builder::new();
    let x = b.arg(t(&[1, 32], act));
    let w = b.constant(&tfl::PSEUDO_QCONST, t(&[16, 32], w));
    let bias = match bias {
        Some(e) => b.constant(&tfl::PSEUDO_CONST, t(&[16], e)),
        None => b.none(),
    };
    let mut all = vec![
        ("fused_activation_function", s("NONE")),
        ("weights_format", s("DEFAULT")),
        ("keep_num_dims", Attribute::Bool(false)),
    ];
    for (name, value) in attrs {
        all.retain(|(n, _)| n != name);
        all.push((name, value.clone()));
    }
    b.version(
        &tfl::FULLY_CONNECTED,
        &[x, w, bias],
        &[t(&[1, 16], out)],
        &all,
    )
}

#[test]
fn fully_connected() {
    let f = ElementType::F32;
    let keep = [("keep_num_dims", Attribute::Bool(true))];
    let asym = [("asymmetric_quantize_inputs", Attribute::Bool(true))];
    assert_eq!(fc(f.clone(), f.clone(), Some(f.clone()), f.clone(), &[]), 1);
    assert_eq!(fc(f.clone(), f.clone(), None, f.clone(), &keep), 5);
    let shuffled = [("weights_format", s("SHUFFLED4x16INT8"))];
    assert_eq!(
        fc(qu8(0.1, 128), qu8(0.1, 128), None, qu8(0.1, 0), &shuffled),
        2
    );
    // Full-integer int8, with and without a bias, and with keep_num_dims.
    let int8 = |bias: Option<ElementType>, attrs: &[(&str, Attribute)]| {
        fc(qi8(0.1, -128), qi8_axis(0, 16), bias, qi8(0.3, 5), attrs)
    };
    assert_eq!(int8(Some(qi32(0.001)), &[]), 4);
    assert_eq!(int8(None, &[]), 4);
    assert_eq!(int8(Some(qi32(0.001)), &keep), 5);
    // Hybrid: per-tensor 3, asymmetric 9, per-channel 12.
    assert_eq!(
        fc(f.clone(), qi8(0.1, 0), Some(f.clone()), f.clone(), &[]),
        3
    );
    assert_eq!(
        fc(f.clone(), qi8(0.1, 0), Some(f.clone()), f.clone(), &asym),
        9
    );
    assert_eq!(
        fc(
            f.clone(),
            qi8_axis(0, 16),
            Some(f.clone()),
            f.clone(),
            &asym
        ),
        12
    );
    assert_eq!(fc(f.clone(), qi8_axis(0, 16), None, f.clone(), &[]), 12);
    // 16x8.
    let qi64 = quant(64, true, 1e-6, 0);
    assert_eq!(
        fc(qi16(1e-3), qi8_axis(0, 16), Some(qi64), qi16(1e-3), &[]),
        7
    );
}

#[test]
fn fully_connected_sparse_and_two_inputs() {
    let mut b = Builder::new();
    let x = b.arg(t(&[1, 32], qi8(0.1, 0)));
    let w = b.constant(&tfl::PSEUDO_SPARSE_QCONST, t(&[16, 32], qi8_axis(0, 16)));
    let none = b.none();
    let attrs = [
        ("fused_activation_function", s("NONE")),
        ("weights_format", s("DEFAULT")),
        ("keep_num_dims", Attribute::Bool(false)),
    ];
    let fcd = &tfl::FULLY_CONNECTED;
    let out = [t(&[1, 16], qi8(0.2, 0))];
    assert_eq!(b.version(fcd, &[x, w, none], &out, &attrs), 8);
    let wd = b.constant(&tfl::PSEUDO_QCONST, t(&[16, 32], qi8_axis(0, 16)));
    assert_eq!(b.version(fcd, &[x, wd], &out, &attrs), 6);
}

#[test]
fn batch_matmul() {
    let mut b = Builder::new();
    let xf = b.arg(f32t(&[2, 4, 8]));
    let yq = b.constant(&tfl::PSEUDO_QCONST, t(&[2, 8, 4], qi8(0.1, 0)));
    let bm = &tfl::BATCH_MATMUL;
    let outf = [f32t(&[2, 4, 4])];
    let asym = [("asymmetric_quantize_inputs", Attribute::Bool(true))];
    assert_eq!(b.version(bm, &[xf, xf], &outf, &[]), 1);
    assert_eq!(b.version(bm, &[xf, yq], &outf, &[]), 1);
    assert_eq!(b.version(bm, &[xf, yq], &outf, &asym), 4);
    let xq = b.arg(t(&[2, 4, 8], qi8(0.2, 0)));
    assert_eq!(
        b.version(bm, &[xq, yq], &[t(&[2, 4, 4], qi8(0.5, 0))], &[]),
        2
    );
    let x16 = b.arg(t(&[2, 4, 8], qi16(1e-3)));
    assert_eq!(
        b.version(bm, &[x16, x16], &[t(&[2, 4, 4], qi16(1e-3))], &[]),
        3
    );
}

fn binary(def: &'static OpDef, lhs: Type, rhs: Type, out: Type) -> i32 {
    binary_with(def, lhs, rhs, out, &[])
}

fn binary_with(
    def: &'static OpDef,
    lhs: Type,
    rhs: Type,
    out: Type,
    extra: &[(&str, Attribute)],
) -> i32 {
    let mut b = Builder::new();
    let l = b.arg(lhs);
    let r = b.arg(rhs);
    let mut attrs = vec![("fused_activation_function", s("NONE"))];
    attrs.extend(extra.iter().cloned());
    b.version(def, &[l, r], &[out], &attrs)
}

#[test]
fn add() {
    let a = &tfl::ADD;
    let sh = [1, 4, 4, 8];
    assert_eq!(binary(a, f32t(&sh), f32t(&sh), f32t(&sh)), 1);
    assert_eq!(
        binary(
            a,
            t(&sh, ElementType::F16),
            t(&sh, ElementType::F16),
            t(&sh, ElementType::F16)
        ),
        6
    );
    let q = |sc, zp| t(&sh, qi8(sc, zp));
    assert_eq!(binary(a, q(0.1, -3), q(0.2, 7), q(0.25, -1)), 2);
    assert_eq!(
        binary(
            a,
            t(&sh, qu8(0.1, 128)),
            t(&sh, qu8(0.1, 128)),
            t(&sh, qu8(0.2, 128))
        ),
        1
    );
    let i = ElementType::I64;
    assert_eq!(
        binary(a, t(&sh, i.clone()), t(&sh, i.clone()), t(&sh, i)),
        4
    );
    let i16 = ElementType::I16;
    assert_eq!(
        binary(a, t(&sh, i16.clone()), t(&sh, i16.clone()), t(&sh, i16)),
        5
    );
    // Quantized int16: general scales 3; power-of-two scales 1 unless the option is false.
    let q16 = |sc| t(&sh, qi16(sc));
    assert_eq!(binary(a, q16(1e-3), q16(2e-3), q16(3e-3)), 3);
    assert_eq!(binary(a, q16(0.5), q16(0.25), q16(1.0 / 1024.0)), 1);
    let general = [(POT_SCALE_INT16_ATTR, Attribute::Bool(false))];
    assert_eq!(
        binary_with(a, q16(0.5), q16(0.25), q16(1.0 / 1024.0), &general),
        3
    );
}

#[test]
fn sub_and_div_broadcast() {
    let (sub, div) = (&tfl::SUB, &tfl::DIV);
    let r4 = [2, 3, 4, 5];
    let r5 = [2, 3, 4, 5, 6];
    let r5b = [1, 3, 1, 5, 6];
    assert_eq!(binary(sub, f32t(&r4), f32t(&r4), f32t(&r4)), 1);
    assert_eq!(binary(sub, f32t(&r5), f32t(&r5), f32t(&r5)), 1);
    assert_eq!(binary(sub, f32t(&r5), f32t(&r5b), f32t(&r5)), 3);
    assert_eq!(binary(sub, f32t(&r4), f32t(&[5]), f32t(&r4)), 1);
    assert_eq!(
        binary(
            sub,
            t(&r4, qi8(0.1, 0)),
            t(&r4, qi8(0.1, 0)),
            t(&r4, qi8(0.2, 0))
        ),
        2
    );
    assert_eq!(
        binary(
            sub,
            t(&r5, qi8(0.1, 0)),
            t(&r5b, qi8(0.1, 0)),
            t(&r5, qi8(0.2, 0))
        ),
        3
    );
    let i = ElementType::I64;
    assert_eq!(
        binary(sub, t(&r4, i.clone()), t(&r4, i.clone()), t(&r4, i)),
        4
    );
    let q16 = |sc| t(&r4, qi16(sc));
    assert_eq!(binary(sub, q16(1e-3), q16(2e-3), q16(3e-3)), 5);
    assert_eq!(binary(div, f32t(&r4), f32t(&r4), f32t(&r4)), 1);
    assert_eq!(binary(div, f32t(&r5), f32t(&r5b), f32t(&r5)), 2);
    assert_eq!(binary(div, f32t(&r5), f32t(&r5), f32t(&r5)), 1);
    assert_eq!(
        binary(
            div,
            t(&r4, qi8(0.1, 0)),
            t(&r4, qi8(0.1, 0)),
            t(&r4, qi8(0.2, 0))
        ),
        1
    );
}

#[test]
fn maximum_minimum() {
    let r4 = [2, 3, 4, 5];
    let r5 = [2, 3, 4, 5, 6];
    let r5b = [1, 3, 1, 5, 6];
    let mx = &tfl::MAXIMUM;
    let plain = |l: Type, r: Type, o: Type| {
        let mut b = Builder::new();
        let (l, r) = (b.arg(l), b.arg(r));
        b.version(mx, &[l, r], &[o], &[])
    };
    assert_eq!(plain(f32t(&r4), f32t(&r4), f32t(&r4)), 1);
    assert_eq!(plain(f32t(&r5), f32t(&r5b), f32t(&r5)), 3);
    assert_eq!(
        plain(
            t(&r4, qi8(0.1, 0)),
            t(&r4, qi8(0.1, 0)),
            t(&r4, qi8(0.1, 0))
        ),
        2
    );
    assert_eq!(
        plain(t(&r4, qi16(0.1)), t(&r4, qi16(0.1)), t(&r4, qi16(0.1))),
        4
    );
}

#[test]
fn mul() {
    let m = &tfl::MUL;
    let sh = [1, 8];
    assert_eq!(binary(m, f32t(&sh), f32t(&sh), f32t(&sh)), 1);
    // int8: scale1 * scale2 / scale_out below 1 gives 2, at or above 1 gives 3.
    let q = |sc| t(&sh, qi8(sc, 0));
    assert_eq!(binary(m, q(0.1), q(0.2), q(0.05)), 2);
    assert_eq!(binary(m, q(0.5), q(0.5), q(0.25)), 3);
    assert_eq!(binary(m, q(0.5), q(0.5), q(0.125)), 3);
    // uint8 follows the scale rule too, and is 1 below it.
    let u = |sc| t(&sh, qu8(sc, 128));
    assert_eq!(binary(m, u(0.1), u(0.2), u(0.05)), 1);
    assert_eq!(binary(m, u(1.0), u(2.0), u(0.5)), 3);
    let q16 = |sc| t(&sh, qi16(sc));
    assert_eq!(binary(m, q16(0.1), q16(0.1), q16(0.001)), 4);
    let e = |e: ElementType| t(&sh, e);
    assert_eq!(
        binary(
            m,
            e(ElementType::I16),
            e(ElementType::I16),
            e(ElementType::I16)
        ),
        7
    );
    assert_eq!(
        binary(
            m,
            e(ElementType::I64),
            e(ElementType::I64),
            e(ElementType::I64)
        ),
        5
    );
    assert_eq!(
        binary(
            m,
            e(ElementType::F16),
            e(ElementType::F16),
            e(ElementType::F16)
        ),
        8
    );
}

fn unary(def: &'static OpDef, input: Type, output: Type, attrs: &[(&str, Attribute)]) -> i32 {
    let mut b = Builder::new();
    let x = b.arg(input);
    b.version(def, &[x], &[output], attrs)
}

#[test]
fn quantize() {
    let q = &tfl::QUANTIZE;
    let sh = [1, 8];
    assert_eq!(unary(q, f32t(&sh), t(&sh, qi8(0.1, -128)), &[]), 1);
    assert_eq!(unary(q, f32t(&sh), t(&sh, qu8(0.1, 128)), &[]), 1);
    assert_eq!(unary(q, t(&sh, qi8(0.1, 0)), t(&sh, qi8(0.2, 3)), &[]), 1);
    assert_eq!(unary(q, f32t(&sh), t(&sh, qi16(0.1)), &[]), 2);
    assert_eq!(unary(q, f32t(&sh), t(&sh, qi8_axis(1, 8)), &[]), 3);
    assert_eq!(unary(q, f32t(&sh), t(&sh, quant(4, true, 0.1, 0)), &[]), 4);
}

#[test]
fn dequantize() {
    let d = &tfl::DEQUANTIZE;
    let sh = [16, 3, 3, 8];
    let out = f32t(&sh);
    assert_eq!(unary(d, t(&sh, qi8(0.1, 0)), out.clone(), &[]), 2);
    assert_eq!(unary(d, t(&sh, qi8_axis(0, 16)), out.clone(), &[]), 5);
    assert_eq!(unary(d, t(&sh, qi8_axis(3, 8)), out.clone(), &[]), 5);
    // A per-axis type whose scales do not span the dimension is not per-channel.
    assert_eq!(unary(d, t(&sh, qi8_axis(1, 16)), out.clone(), &[]), 2);
    assert_eq!(unary(d, t(&sh, ElementType::F16), out.clone(), &[]), 3);
    assert_eq!(unary(d, t(&sh, qi16(0.1)), out.clone(), &[]), 3);
    assert_eq!(unary(d, t(&sh, qu8(0.1, 128)), out.clone(), &[]), 1);
    assert_eq!(unary(d, t(&sh, quant(4, true, 0.1, 0)), out, &[]), 6);
}

#[test]
fn densify_and_version_1_ops() {
    let sh = [16, 3, 3, 8];
    let f16 = t(&sh, ElementType::F16);
    assert_eq!(unary(&tfl::DENSIFY, f16.clone(), f16, &[]), 1);
    assert_eq!(unary(&tfl::NEG, f32t(&sh), f32t(&sh), &[]), 1);
    let hs = &tfl::HARD_SWISH;
    assert_eq!(unary(hs, t(&sh, qi8(0.1, 0)), t(&sh, qi8(0.1, 0)), &[]), 1);
}

#[test]
fn softmax_and_logistic() {
    let sh = [1, 10];
    let beta = [("beta", Attribute::f32(1.0))];
    let sm = &tfl::SOFTMAX;
    assert_eq!(unary(sm, f32t(&sh), f32t(&sh), &beta), 1);
    let out8 = t(&sh, qi8(1.0 / 256.0, -128));
    assert_eq!(unary(sm, t(&sh, qi8(0.1, 3)), out8.clone(), &beta), 2);
    let out16 = t(&sh, qi16(1.0 / 32768.0));
    assert_eq!(unary(sm, t(&sh, qi16(1e-3)), out16.clone(), &beta), 3);
    assert_eq!(
        unary(
            sm,
            t(&sh, qu8(0.1, 128)),
            t(&sh, qu8(1.0 / 256.0, 0)),
            &beta
        ),
        1
    );
    let lg = &tfl::LOGISTIC;
    assert_eq!(unary(lg, f32t(&sh), f32t(&sh), &[]), 1);
    assert_eq!(unary(lg, t(&sh, qi8(0.1, 3)), out8, &[]), 2);
    assert_eq!(unary(lg, t(&sh, qi16(1e-3)), out16, &[]), 3);
    assert_eq!(
        unary(lg, t(&sh, qu8(0.1, 128)), t(&sh, qu8(1.0 / 256.0, 0)), &[]),
        1
    );
}

#[test]
fn pools_and_activations() {
    let sh = [1, 8, 8, 4];
    let pool_attrs = [
        ("filter_height", Attribute::i32(2)),
        ("filter_width", Attribute::i32(2)),
        ("fused_activation_function", s("NONE")),
        ("padding", s("VALID")),
        ("stride_h", Attribute::i32(2)),
        ("stride_w", Attribute::i32(2)),
    ];
    for def in [&tfl::AVERAGE_POOL_2D, &tfl::MAX_POOL_2D] {
        assert_eq!(unary(def, f32t(&sh), f32t(&sh), &pool_attrs), 1);
        let q8 = t(&sh, qi8(0.1, 0));
        assert_eq!(unary(def, q8.clone(), q8, &pool_attrs), 2);
        let q16 = t(&sh, qi16(0.1));
        assert_eq!(unary(def, q16.clone(), q16, &pool_attrs), 3);
    }
    let q8 = t(&sh, qi8(0.1, 0));
    assert_eq!(unary(&tfl::RELU, q8.clone(), q8.clone(), &[]), 2);
    assert_eq!(unary(&tfl::RELU6, q8.clone(), q8.clone(), &[]), 2);
    let alpha = [("alpha", Attribute::f32(0.2))];
    assert_eq!(unary(&tfl::LEAKY_RELU, q8.clone(), q8.clone(), &alpha), 1);
    assert_eq!(
        unary(&tfl::TANH, q8.clone(), t(&sh, qi8(1.0 / 128.0, 0)), &[]),
        2
    );
    assert_eq!(unary(&tfl::L2_NORMALIZATION, q8.clone(), q8, &[]), 2);
}

#[test]
fn concatenation() {
    let c = &tfl::CONCATENATION;
    let attrs = [
        ("axis", Attribute::i32(1)),
        ("fused_activation_function", s("NONE")),
    ];
    let cat = |e: ElementType| {
        let mut b = Builder::new();
        let x = b.arg(t(&[1, 4], e.clone()));
        let y = b.arg(t(&[1, 4], e.clone()));
        b.version(c, &[x, y], &[t(&[1, 8], e)], &attrs)
    };
    assert_eq!(cat(ElementType::F32), 1);
    assert_eq!(cat(qi8(0.1, 0)), 2);
    assert_eq!(cat(qi16(0.1)), 3);
    assert_eq!(cat(qu8(0.1, 128)), 1);
    assert_eq!(cat(ElementType::I32), 1);
}

#[test]
fn reshape_and_shape_ops() {
    let mut b = Builder::new();
    let x = b.arg(t(&[1, 4, 4, 2], qi8(0.1, 0)));
    let shape = b.constant(&tfl::PSEUDO_CONST, t(&[2], ElementType::I32));
    let out = [t(&[1, 32], qi8(0.1, 0))];
    assert_eq!(b.version(&tfl::RESHAPE, &[x, shape], &out, &[]), 1);
    let sq = [("squeeze_dims", Attribute::Array(vec![]))];
    assert_eq!(b.version(&tfl::SQUEEZE, &[x], &out, &sq), 1);
    let mut b = Builder::new();
    let dim = b.constant(&tfl::PSEUDO_CONST, t(&[], ElementType::I32));
    let x = b.arg(t(&[8, 6], qi8(0.1, 0)));
    let nsplit = [("num_splits", Attribute::i32(2))];
    let halves = [t(&[4, 6], qi8(0.1, 0)), t(&[4, 6], qi8(0.1, 0))];
    assert_eq!(b.version(&tfl::SPLIT, &[dim, x], &halves, &nsplit), 2);
}

fn strided_slice_version(input: Type, masks: (i32, i32), offset: bool) -> i32 {
    let mut b = Builder::new();
    let rank = input.as_tensor().unwrap().rank() as i64;
    let x = b.arg(input.clone());
    let idx = t(&[rank], ElementType::I32);
    let begin = b.constant(&tfl::PSEUDO_CONST, idx.clone());
    let end = b.constant(&tfl::PSEUDO_CONST, idx.clone());
    let strides = b.constant(&tfl::PSEUDO_CONST, idx);
    let attrs = [
        ("begin_mask", Attribute::i32(0)),
        ("end_mask", Attribute::i32(0)),
        ("ellipsis_mask", Attribute::i32(masks.0)),
        ("new_axis_mask", Attribute::i32(masks.1)),
        ("shrink_axis_mask", Attribute::i32(0)),
        ("offset", Attribute::Bool(offset)),
    ];
    b.version(
        &tfl::STRIDED_SLICE,
        &[x, begin, end, strides],
        &[input],
        &attrs,
    )
}

#[test]
fn strided_slice() {
    let r4 = [1, 4, 4, 2];
    let r5 = [1, 2, 4, 4, 2];
    assert_eq!(strided_slice_version(f32t(&r4), (0, 0), false), 1);
    assert_eq!(strided_slice_version(t(&r4, qi8(0.1, 0)), (0, 0), false), 2);
    assert_eq!(
        strided_slice_version(t(&r4, ElementType::I1), (0, 0), false),
        3
    );
    assert_eq!(strided_slice_version(t(&r5, qi8(0.1, 0)), (0, 0), false), 4);
    assert_eq!(strided_slice_version(t(&r4, qi8(0.1, 0)), (0, 2), false), 6);
    assert_eq!(strided_slice_version(t(&r4, qi8(0.1, 0)), (1, 0), false), 6);
    assert_eq!(strided_slice_version(f32t(&r4), (0, 0), true), 8);
    assert_eq!(
        strided_slice_version(t(&r4, qu8(0.1, 128)), (0, 0), false),
        1
    );
}

#[test]
fn transpose() {
    let tr = |shape: &[i64], e: ElementType| {
        let mut b = Builder::new();
        let x = b.arg(t(shape, e.clone()));
        let perm = b.constant(
            &tfl::PSEUDO_CONST,
            t(&[shape.len() as i64], ElementType::I32),
        );
        let out: Vec<i64> = shape.iter().rev().copied().collect();
        b.version(&tfl::TRANSPOSE, &[x, perm], &[t(&out, e)], &[])
    };
    assert_eq!(tr(&[1, 2, 3, 4], ElementType::F32), 1);
    assert_eq!(tr(&[1, 2, 3, 4], qi8(0.1, 0)), 2);
    assert_eq!(tr(&[1, 2, 3, 4], ElementType::I1), 3);
    assert_eq!(tr(&[1, 2, 3, 4, 5], ElementType::F32), 4);
    assert_eq!(tr(&[1, 2, 3, 4, 5], qi8(0.1, 0)), 4);
    assert_eq!(tr(&[1, 2, 3, 4], qi16(0.1)), 5);
    assert_eq!(tr(&[1, 2, 3, 4, 5, 6], ElementType::F32), 6);
    assert_eq!(tr(&[1, 2, 3, 4, 5, 6, 7], ElementType::F32), 8);
    assert_eq!(tr(&[1, 2, 3, 4], ElementType::BF16), 8);
    assert_eq!(tr(&[1, 2, 3, 4], ElementType::I4), 7);
}

#[test]
fn resize_select_and_comparisons() {
    let sh = [1, 4, 4, 2];
    let rb = |e: ElementType, hpc: bool| {
        let mut b = Builder::new();
        let x = b.arg(t(&sh, e.clone()));
        let size = b.constant(&tfl::PSEUDO_CONST, t(&[2], ElementType::I32));
        let attrs = [
            ("align_corners", Attribute::Bool(false)),
            ("half_pixel_centers", Attribute::Bool(hpc)),
        ];
        b.version(
            &tfl::RESIZE_BILINEAR,
            &[x, size],
            &[t(&[1, 8, 8, 2], e)],
            &attrs,
        )
    };
    assert_eq!(rb(ElementType::F32, false), 1);
    assert_eq!(rb(ElementType::F32, true), 3);
    assert_eq!(rb(qi8(0.1, 0), false), 2);
    assert_eq!(rb(qi8(0.1, 0), true), 3);
    assert_eq!(rb(qi16(0.1), true), 4);

    let mut b = Builder::new();
    let c = b.arg(t(&sh, ElementType::I1));
    let u32t = t(&sh, ElementType::Int(IntType::unsigned(32)));
    let (x, y) = (b.arg(u32t.clone()), b.arg(u32t.clone()));
    assert_eq!(b.version(&tfl::SELECT_V2, &[c, x, y], &[u32t], &[]), 2);
    let (x, y) = (b.arg(f32t(&sh)), b.arg(f32t(&sh)));
    assert_eq!(b.version(&tfl::SELECT_V2, &[c, x, y], &[f32t(&sh)], &[]), 1);

    let bool_out = [t(&sh, ElementType::I1)];
    let q8 = b.arg(t(&sh, qi8(0.1, 0)));
    let q16 = b.arg(t(&sh, qi16(0.1)));
    assert_eq!(b.version(&tfl::LESS, &[q8, q8], &bool_out, &[]), 2);
    assert_eq!(b.version(&tfl::LESS, &[q16, q16], &bool_out, &[]), 3);
    assert_eq!(b.version(&tfl::GREATER, &[q16, q16], &bool_out, &[]), 1);
    assert_eq!(b.version(&tfl::EQUAL, &[q16, q16], &bool_out, &[]), 5);
    assert_eq!(b.version(&tfl::NOT_EQUAL, &[q16, q16], &bool_out, &[]), 4);
    assert_eq!(b.version(&tfl::EQUAL, &[q8, q8], &bool_out, &[]), 2);
}

#[test]
fn broadcast_to_is_never_1() {
    let mut b = Builder::new();
    let shape = b.constant(&tfl::PSEUDO_CONST, t(&[2], ElementType::I32));
    let x = b.arg(f32t(&[1, 4]));
    assert_eq!(
        b.version(&tfl::BROADCAST_TO, &[x, shape], &[f32t(&[3, 4])], &[]),
        2
    );
    let q = b.arg(t(&[1, 4], qi8(0.1, 0)));
    let out = [t(&[3, 4], qi8(0.1, 0))];
    assert_eq!(b.version(&tfl::BROADCAST_TO, &[q, shape], &out, &[]), 3);
}

/// An LSTM over [batch 1, time 3, input 4] with 2 cells; `weights` is the element type of
/// every weight, `input`/`output` of the sequence tensors.
fn lstm(input: ElementType, weights: ElementType, attrs: &[(&str, Attribute)]) -> i32 {
    let mut b = Builder::new();
    let x = b.arg(t(&[1, 3, 4], input.clone()));
    let none = b.none();
    let w_in = b.constant(&tfl::PSEUDO_QCONST, t(&[2, 4], weights.clone()));
    let w_rec = b.constant(&tfl::PSEUDO_QCONST, t(&[2, 2], weights));
    let bias = b.constant(&tfl::PSEUDO_CONST, f32t(&[2]));
    let state = b.arg(f32t(&[1, 2]));
    let cell = b.arg(f32t(&[1, 2]));
    let operands = [
        x, none, w_in, w_in, w_in, none, w_rec, w_rec, w_rec, none, none, none, none, bias, bias,
        bias, none, none, state, cell, none, none, none, none,
    ];
    let mut all = vec![
        ("fused_activation_function", s("TANH")),
        ("time_major", Attribute::Bool(false)),
    ];
    all.extend(attrs.iter().cloned());
    let def = &tfl::UNIDIRECTIONAL_SEQUENCE_LSTM;
    b.version(def, &operands, &[t(&[1, 3, 2], input)], &all)
}

#[test]
fn unidirectional_sequence_lstm() {
    let f = ElementType::F32;
    let asym = [("asymmetric_quantize_inputs", Attribute::Bool(true))];
    let diag = [("diagonal_recurrent_tensors", Attribute::Bool(true))];
    assert_eq!(lstm(f.clone(), f.clone(), &[]), 1);
    assert_eq!(lstm(f.clone(), qi8(0.1, 0), &[]), 2);
    assert_eq!(lstm(f.clone(), qi8(0.1, 0), &asym), 3);
    assert_eq!(lstm(f.clone(), qi8(0.1, 0), &diag), 4);
    assert_eq!(lstm(qi16(1e-3), qi8(0.1, 0), &[]), 5);
}

#[test]
fn embedding_lookup_and_gather() {
    let mut b = Builder::new();
    let ids = b.arg(t(&[3], ElementType::I32));
    let table = b.constant(&tfl::PSEUDO_QCONST, t(&[10, 4], qi8(0.1, 0)));
    let rows = b.constant(&tfl::PSEUDO_QCONST, t(&[10, 4], qi8_axis(0, 10)));
    let el = &tfl::EMBEDDING_LOOKUP;
    assert_eq!(b.version(el, &[ids, table], &[f32t(&[3, 4])], &[]), 1);
    assert_eq!(b.version(el, &[ids, rows], &[f32t(&[3, 4])], &[]), 4);
    let axis = [("axis", Attribute::i32(0))];
    let out = [t(&[3, 4], qi8(0.1, 0))];
    assert_eq!(b.version(&tfl::GATHER, &[table, ids], &out, &axis), 2);
    let batch = [
        ("axis", Attribute::i32(1)),
        ("batch_dims", Attribute::i32(1)),
    ];
    assert_eq!(b.version(&tfl::GATHER, &[table, ids], &out, &batch), 5);
}

#[test]
fn cast() {
    let c = |i: ElementType, o: ElementType| unary(&tfl::CAST, t(&[4], i), t(&[4], o), &[]);
    assert_eq!(c(ElementType::I32, ElementType::F32), 1);
    assert_eq!(c(ElementType::F16, ElementType::F32), 5);
    assert_eq!(c(ElementType::I8, ElementType::F32), 3);
    assert_eq!(c(ElementType::I4, ElementType::F32), 6);
    assert_eq!(c(ElementType::BF16, ElementType::F32), 7);
}
