//! Builds small TFLite models in memory with the schema's object API, for tests.

#![allow(dead_code)]

use tqopt_frontend::schema::tflite::{
    self, BufferT, BuiltinOperator, BuiltinOptionsT, MetadataT, ModelT, OperatorCodeT, OperatorT,
    QuantizationParametersT, SubGraphT, TensorT, TensorType,
};

/// Builds a value of a (non-exhaustive) object-API struct from its defaults and some fields.
#[macro_export]
macro_rules! make {
    ($ty:path { $($field:ident : $value:expr),* $(,)? }) => {{
        #[allow(unused_mut)]
        let mut x = <$ty>::default();
        $(x.$field = $value;)*
        x
    }};
}

pub struct ModelBuilder {
    pub model: ModelT,
}

impl Default for ModelBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ModelBuilder {
    /// A model with buffer 0 (empty) and one empty subgraph named "main".
    pub fn new() -> ModelBuilder {
        let model = make!(ModelT {
            version: 3,
            operator_codes: Some(Vec::new()),
            subgraphs: Some(vec![make!(SubGraphT {
                name: Some("main".into())
            })]),
            description: Some("test model".into()),
            buffers: Some(vec![BufferT::default()]),
        });
        ModelBuilder { model }
    }

    pub fn subgraph(&mut self, index: usize) -> &mut SubGraphT {
        let subgraphs = self.model.subgraphs.as_mut().unwrap();
        while subgraphs.len() <= index {
            let name = format!("sub{}", subgraphs.len());
            subgraphs.push(make!(SubGraphT { name: Some(name) }));
        }
        &mut subgraphs[index]
    }

    pub fn buffer(&mut self, data: Vec<u8>) -> u32 {
        let buffers = self.model.buffers.as_mut().unwrap();
        buffers.push(make!(BufferT { data: Some(data) }));
        (buffers.len() - 1) as u32
    }

    /// Adds a tensor to subgraph `sg`; returns its index.
    pub fn tensor(&mut self, sg: usize, name: &str, shape: &[i32], ty: TensorType) -> i32 {
        self.tensor_with(
            sg,
            make!(TensorT {
                name: Some(name.into()),
                shape: Some(shape.to_vec()),
                type_: ty
            }),
        )
    }

    pub fn tensor_with(&mut self, sg: usize, t: TensorT) -> i32 {
        let tensors = self.subgraph(sg).tensors.get_or_insert_with(Vec::new);
        tensors.push(t);
        (tensors.len() - 1) as i32
    }

    /// A constant tensor with `data`.
    pub fn constant(
        &mut self,
        sg: usize,
        name: &str,
        shape: &[i32],
        ty: TensorType,
        data: Vec<u8>,
    ) -> i32 {
        let buffer = self.buffer(data);
        self.tensor_with(
            sg,
            make!(TensorT {
                name: Some(name.into()),
                shape: Some(shape.to_vec()),
                type_: ty,
                buffer: buffer
            }),
        )
    }

    pub fn f32_constant(&mut self, sg: usize, name: &str, shape: &[i32], values: &[f32]) -> i32 {
        self.constant(
            sg,
            name,
            shape,
            TensorType::FLOAT32,
            values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        )
    }

    pub fn i32_constant(&mut self, sg: usize, name: &str, shape: &[i32], values: &[i32]) -> i32 {
        self.constant(
            sg,
            name,
            shape,
            TensorType::INT32,
            values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        )
    }

    pub fn tensor_mut(&mut self, sg: usize, index: i32) -> &mut TensorT {
        &mut self.subgraph(sg).tensors.as_mut().unwrap()[index as usize]
    }

    /// Quantizes tensor `index` per tensor.
    pub fn quantize(&mut self, sg: usize, index: i32, scale: f32, zero_point: i64) {
        self.tensor_mut(sg, index).quantization = Some(Box::new(make!(QuantizationParametersT {
            scale: Some(vec![scale]),
            zero_point: Some(vec![zero_point]),
        })));
    }

    /// Quantizes tensor `index` per axis.
    pub fn quantize_per_axis(&mut self, sg: usize, index: i32, scales: &[f32], axis: i32) {
        self.tensor_mut(sg, index).quantization = Some(Box::new(make!(QuantizationParametersT {
            scale: Some(scales.to_vec()),
            zero_point: Some(vec![0; scales.len()]),
            quantized_dimension: axis,
        })));
    }

    /// The operator code index for `code` (custom ops by name), adding it if new.
    pub fn opcode(&mut self, code: BuiltinOperator, custom: Option<&str>) -> u32 {
        let codes = self.model.operator_codes.as_mut().unwrap();
        if let Some(i) = codes
            .iter()
            .position(|c| c.builtin_code == code && c.custom_code.as_deref() == custom)
        {
            return i as u32;
        }
        codes.push(make!(OperatorCodeT {
            deprecated_builtin_code: code.0.min(127) as i8,
            custom_code: custom.map(str::to_string),
            version: 1,
            builtin_code: code,
        }));
        (codes.len() - 1) as u32
    }

    pub fn op(
        &mut self,
        sg: usize,
        code: BuiltinOperator,
        inputs: &[i32],
        outputs: &[i32],
        options: BuiltinOptionsT,
    ) -> &mut OperatorT {
        let opcode_index = self.opcode(code, None);
        self.push_op(
            sg,
            make!(OperatorT {
                opcode_index: opcode_index,
                inputs: Some(inputs.to_vec()),
                outputs: Some(outputs.to_vec()),
                builtin_options: options,
            }),
        )
    }

    pub fn push_op(&mut self, sg: usize, op: OperatorT) -> &mut OperatorT {
        let ops = self.subgraph(sg).operators.get_or_insert_with(Vec::new);
        ops.push(op);
        ops.last_mut().unwrap()
    }

    pub fn io(&mut self, sg: usize, inputs: &[i32], outputs: &[i32]) {
        let s = self.subgraph(sg);
        s.inputs = Some(inputs.to_vec());
        s.outputs = Some(outputs.to_vec());
    }

    pub fn metadata(&mut self, name: &str, data: &[u8]) {
        let buffer = self.buffer(data.to_vec());
        self.model
            .metadata
            .get_or_insert_with(Vec::new)
            .push(make!(MetadataT {
                name: Some(name.into()),
                buffer: buffer
            }));
    }

    pub fn finish(&self) -> Vec<u8> {
        let mut fbb = flatbuffers::FlatBufferBuilder::new();
        let root = self.model.pack(&mut fbb);
        tflite::finish_model_buffer(&mut fbb, root);
        fbb.finished_data().to_vec()
    }
}
