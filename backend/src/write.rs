//! The second half of the export: the plan to flatbuffer bytes.
//!
//! Layout and memory:
//! - the builder is created once with an upper bound of the output size, so it never grows
//!   (growing doubles the buffer and copies it: three times the model in memory);
//! - constant data is written first, so it lies at the end of the file, in buffer order; each
//!   constant is copied once, straight from its blob (for an imported model, a window of the
//!   memory-mapped input) into the builder, and the blob is released right after, so the
//!   input's pages can leave memory while the output fills;
//! - every buffer's data starts at a multiple of 16 bytes from the start of the file: the
//!   builder writes back to front, so the data is padded to end at a multiple of 16 from the
//!   end of the buffer, and the builder's minimum alignment is 16, which makes the finished
//!   size a multiple of 16 (hence offsets from the start and from the end agree modulo 16).

use flatbuffers::{FlatBufferBuilder, Push, PushAlignment, WIPOffset};
use tqopt_tflite::schema::tflite::{
    self, Buffer, BufferArgs, Model, ModelArgs, OperatorT, QuantizationParametersT,
    SparseIndexVectorT, SubGraphT, TensorT,
};

use crate::error::{ExportError, ExportErrorKind, Result};
use crate::export::constant::BufferData;
use crate::export::Plan;
use crate::TfliteModel;

/// The alignment of buffer data in the file.
pub const BUFFER_ALIGNMENT: usize = 16;

/// The largest flatbuffer (the format's offsets are 32-bit and signed).
const MAX_FLATBUFFER: usize = (1usize << 31) - 1;

/// A zero-sized value whose only effect, when pushed, is to raise the builder's minimum
/// alignment (which the finished buffer's size is rounded up to) to 16.
struct Align16;

impl Push for Align16 {
    type Output = Align16;

    unsafe fn push(&self, _dst: &mut [u8], _written_len: usize) {}

    fn size() -> usize {
        0
    }

    fn alignment() -> PushAlignment {
        PushAlignment::new(BUFFER_ALIGNMENT)
    }
}

fn vec_bytes<T>(v: &Option<Vec<T>>, elem: usize) -> usize {
    v.as_ref().map_or(0, |v| 8 + v.len() * elem)
}

fn str_bytes(s: &Option<String>) -> usize {
    s.as_ref().map_or(0, |s| 8 + s.len())
}

fn index_vector_bytes(v: &SparseIndexVectorT) -> usize {
    32 + match v {
        SparseIndexVectorT::Int32Vector(x) => vec_bytes(&x.values, 4),
        SparseIndexVectorT::Uint16Vector(x) => vec_bytes(&x.values, 2),
        SparseIndexVectorT::Uint8Vector(x) => vec_bytes(&x.values, 1),
        _ => 0,
    }
}

fn quantization_bytes(q: &QuantizationParametersT) -> usize {
    64 + vec_bytes(&q.min, 4)
        + vec_bytes(&q.max, 4)
        + vec_bytes(&q.scale, 4)
        + vec_bytes(&q.zero_point, 8)
}

fn tensor_bytes(t: &TensorT) -> usize {
    let mut n = 96 + str_bytes(&t.name) + vec_bytes(&t.shape, 4) + vec_bytes(&t.shape_signature, 4);
    if let Some(q) = &t.quantization {
        n += quantization_bytes(q);
    }
    if let Some(s) = &t.sparsity {
        n += 64 + vec_bytes(&s.traversal_order, 4) + vec_bytes(&s.block_map, 4);
        for d in s.dim_metadata.iter().flatten() {
            n += 64 + index_vector_bytes(&d.array_segments) + index_vector_bytes(&d.array_indices);
        }
    }
    if let Some(v) = &t.variant_tensors {
        n += 8 + v.iter().map(|s| 48 + vec_bytes(&s.shape, 4)).sum::<usize>();
    }
    n
}

fn operator_bytes(o: &OperatorT) -> usize {
    // Options tables are a few scalars (and for reshape/squeeze a short vector); 512 bytes
    // bounds every table tqopt writes.
    96 + vec_bytes(&o.inputs, 4)
        + vec_bytes(&o.outputs, 4)
        + vec_bytes(&o.intermediates, 4)
        + vec_bytes(&o.custom_options, 1)
        + 512
}

fn subgraph_bytes(s: &SubGraphT) -> usize {
    64 + str_bytes(&s.name)
        + vec_bytes(&s.inputs, 4)
        + vec_bytes(&s.outputs, 4)
        + 8
        + s.tensors
            .iter()
            .flatten()
            .map(|t| 4 + tensor_bytes(t))
            .sum::<usize>()
        + 8
        + s.operators
            .iter()
            .flatten()
            .map(|o| 4 + operator_bytes(o))
            .sum::<usize>()
}

/// An upper bound of the finished file's size.
fn estimate(plan: &Plan) -> usize {
    let data: usize = plan
        .buffers
        .iter()
        .map(|b| 48 + b.len() + BUFFER_ALIGNMENT)
        .sum();
    let mut tables = 4096 + plan.description.len();
    tables += plan.subgraphs.iter().map(subgraph_bytes).sum::<usize>();
    tables += plan
        .opcodes
        .iter()
        .map(|c| 64 + str_bytes(&c.custom_code))
        .sum::<usize>();
    tables += plan
        .metadata
        .iter()
        .map(|md| 48 + str_bytes(&md.name))
        .sum::<usize>();
    tables += plan.metadata_buffer.as_ref().map_or(0, |v| 8 + 4 * v.len());
    for sd in &plan.signature_defs {
        tables += 64 + str_bytes(&sd.signature_key);
        for tm in sd.inputs.iter().chain(&sd.outputs).flatten() {
            tables += 48 + str_bytes(&tm.name);
        }
    }
    // Generous: vtables, alignment padding and vector length prefixes are counted roughly.
    data + tables + tables / 2
}

/// Copies `data` into the builder so that it ends (and, the size being a multiple of 16 at the
/// end, starts) at a multiple of 16 bytes.
fn aligned_bytes<'b>(
    fbb: &mut FlatBufferBuilder<'b>,
    data: &[u8],
) -> WIPOffset<flatbuffers::Vector<'b, u8>> {
    let used = fbb.unfinished_data().len();
    let pad = (BUFFER_ALIGNMENT - (used + data.len()) % BUFFER_ALIGNMENT) % BUFFER_ALIGNMENT;
    for _ in 0..pad {
        fbb.push(0u8);
    }
    fbb.create_vector(data)
}

/// Writes the plan as a `.tflite` flatbuffer.
pub(crate) fn write(plan: Plan) -> Result<TfliteModel> {
    let capacity = estimate(&plan);
    if capacity > MAX_FLATBUFFER {
        return Err(ExportError::new(
            ExportErrorKind::TooLarge,
            format!(
                "the model needs about {:.2} GB, more than a flatbuffer's 2 GB; TFLite's layout with buffers after the flatbuffer is not written by tqopt yet",
                capacity as f64 / 1e9
            ),
        ));
    }
    let mut fbb = FlatBufferBuilder::with_capacity(capacity);
    fbb.push(Align16);

    // Constant data first (it ends up last in the file), last buffer first so that the data
    // lies in buffer order.
    let mut data = vec![None; plan.buffers.len()];
    for (i, b) in plan.buffers.iter().enumerate().rev() {
        let bytes = b.bytes();
        if bytes.is_empty() {
            continue;
        }
        data[i] = Some(aligned_bytes(&mut fbb, bytes));
        if let BufferData::Blob(blob) = b {
            // Copied: the mapped input's pages may go.
            blob.release();
        }
    }
    let buffers: Vec<WIPOffset<Buffer>> = data
        .into_iter()
        .map(|d| {
            Buffer::create(
                &mut fbb,
                &BufferArgs {
                    data: d,
                    ..Default::default()
                },
            )
        })
        .collect();
    let buffers = fbb.create_vector(&buffers);

    let subgraphs: Vec<_> = plan.subgraphs.iter().map(|s| s.pack(&mut fbb)).collect();
    let subgraphs = fbb.create_vector(&subgraphs);
    let opcodes: Vec<_> = plan.opcodes.iter().map(|c| c.pack(&mut fbb)).collect();
    let opcodes = fbb.create_vector(&opcodes);
    let metadata: Vec<_> = plan.metadata.iter().map(|m| m.pack(&mut fbb)).collect();
    let metadata = fbb.create_vector(&metadata);
    let metadata_buffer = plan
        .metadata_buffer
        .as_ref()
        .map(|list| fbb.create_vector(list));
    let signature_defs: Vec<_> = plan
        .signature_defs
        .iter()
        .map(|s| s.pack(&mut fbb))
        .collect();
    let signature_defs = fbb.create_vector(&signature_defs);
    let description = fbb.create_string(&plan.description);
    let model = Model::create(
        &mut fbb,
        &ModelArgs {
            version: 3,
            operator_codes: Some(opcodes),
            subgraphs: Some(subgraphs),
            description: Some(description),
            buffers: Some(buffers),
            metadata_buffer,
            metadata: Some(metadata),
            signature_defs: Some(signature_defs),
            ..Default::default()
        },
    );
    tflite::finish_model_buffer(&mut fbb, model);
    let (buf, head) = fbb.collapse();
    let grew = buf.len() != capacity;
    Ok(TfliteModel::new(buf, head, grew))
}
