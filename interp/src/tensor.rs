//! Run-time tensors: a shape and a typed, row-major buffer.
//!
//! A [`Tensor`] owns its elements. Its shape is in elements (`usize`), never dynamic: dynamic
//! dimensions of the IR's types are resolved when the interpreter runs. Quantized tensors keep
//! their storage integers (`i8`, `u8`, `i16`, `i32`); the scale and zero point stay in the
//! IR's type, which the kernels read when the plan is built.
//!
//! Invariant: `data.len()` equals the product of `shape` (1 for a scalar of rank 0).

use std::fmt;

use half::f16;
use smallvec::SmallVec;

/// A tensor's dimensions, outermost first.
pub type Shape = SmallVec<[usize; 6]>;

/// The element types the interpreter computes with.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum DType {
    F32,
    F16,
    I8,
    U8,
    I16,
    I32,
    I64,
    Bool,
    /// `complex<f32>`: what `RFFT2D` makes (TFLite's complex64).
    C64,
}

impl DType {
    /// The name MLIR gives the type (`f32`, `i1`, `ui8`, ...).
    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "f32",
            DType::F16 => "f16",
            DType::I8 => "i8",
            DType::U8 => "ui8",
            DType::I16 => "i16",
            DType::I32 => "i32",
            DType::I64 => "i64",
            DType::Bool => "i1",
            DType::C64 => "complex<f32>",
        }
    }
}

impl DType {
    /// The bytes one element takes.
    pub fn size(self) -> usize {
        match self {
            DType::F32 | DType::I32 => 4,
            DType::F16 | DType::I16 => 2,
            DType::I8 | DType::U8 | DType::Bool => 1,
            DType::I64 | DType::C64 => 8,
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The elements of a tensor, one vector per element type.
#[derive(Clone, Debug, PartialEq)]
pub enum TensorData {
    F32(Vec<f32>),
    F16(Vec<f16>),
    I8(Vec<i8>),
    U8(Vec<u8>),
    I16(Vec<i16>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    Bool(Vec<bool>),
    C64(Vec<Complex32>),
}

/// One complex64 element: real and imaginary parts.
#[derive(Copy, Clone, Debug, Default, PartialEq)]
pub struct Complex32 {
    pub re: f32,
    pub im: f32,
}

/// Applies a generic expression to the vector inside a [`TensorData`] and wraps the resulting
/// vector in the same variant: `map_data!(data, v => v.clone())`.
#[macro_export]
#[doc(hidden)]
macro_rules! map_data {
    ($data:expr, $v:ident => $body:expr) => {
        match $data {
            $crate::tensor::TensorData::F32($v) => $crate::tensor::TensorData::F32($body),
            $crate::tensor::TensorData::F16($v) => $crate::tensor::TensorData::F16($body),
            $crate::tensor::TensorData::I8($v) => $crate::tensor::TensorData::I8($body),
            $crate::tensor::TensorData::U8($v) => $crate::tensor::TensorData::U8($body),
            $crate::tensor::TensorData::I16($v) => $crate::tensor::TensorData::I16($body),
            $crate::tensor::TensorData::I32($v) => $crate::tensor::TensorData::I32($body),
            $crate::tensor::TensorData::I64($v) => $crate::tensor::TensorData::I64($body),
            $crate::tensor::TensorData::Bool($v) => $crate::tensor::TensorData::Bool($body),
            $crate::tensor::TensorData::C64($v) => $crate::tensor::TensorData::C64($body),
        }
    };
}

/// Applies a generic expression to the vector inside a [`TensorData`], returning its value.
#[macro_export]
#[doc(hidden)]
macro_rules! with_data {
    ($data:expr, $v:ident => $body:expr) => {
        match $data {
            $crate::tensor::TensorData::F32($v) => $body,
            $crate::tensor::TensorData::F16($v) => $body,
            $crate::tensor::TensorData::I8($v) => $body,
            $crate::tensor::TensorData::U8($v) => $body,
            $crate::tensor::TensorData::I16($v) => $body,
            $crate::tensor::TensorData::I32($v) => $body,
            $crate::tensor::TensorData::I64($v) => $body,
            $crate::tensor::TensorData::Bool($v) => $body,
            $crate::tensor::TensorData::C64($v) => $body,
        }
    };
}

impl TensorData {
    pub fn dtype(&self) -> DType {
        match self {
            TensorData::F32(_) => DType::F32,
            TensorData::F16(_) => DType::F16,
            TensorData::I8(_) => DType::I8,
            TensorData::U8(_) => DType::U8,
            TensorData::I16(_) => DType::I16,
            TensorData::I32(_) => DType::I32,
            TensorData::I64(_) => DType::I64,
            TensorData::Bool(_) => DType::Bool,
            TensorData::C64(_) => DType::C64,
        }
    }

    pub fn len(&self) -> usize {
        with_data!(self, v => v.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `n` zero elements (false for booleans).
    pub fn zeros(dtype: DType, n: usize) -> TensorData {
        match dtype {
            DType::F32 => TensorData::F32(vec![0.0; n]),
            DType::F16 => TensorData::F16(vec![f16::ZERO; n]),
            DType::I8 => TensorData::I8(vec![0; n]),
            DType::U8 => TensorData::U8(vec![0; n]),
            DType::I16 => TensorData::I16(vec![0; n]),
            DType::I32 => TensorData::I32(vec![0; n]),
            DType::I64 => TensorData::I64(vec![0; n]),
            DType::Bool => TensorData::Bool(vec![false; n]),
            DType::C64 => TensorData::C64(vec![Complex32::default(); n]),
        }
    }
}

/// Element types that have a [`TensorData`] variant, for kernels written once for all types.
pub trait Element: Copy + Send + Sync + PartialEq + fmt::Debug + 'static {
    const DTYPE: DType;
    fn slice(data: &TensorData) -> Option<&[Self]>;
    fn slice_mut(data: &mut TensorData) -> Option<&mut [Self]>;
    fn into_vec(data: TensorData) -> Result<Vec<Self>, TensorData>;
    fn wrap(v: Vec<Self>) -> TensorData;
    /// The element as f64 (booleans are 0 and 1).
    fn to_f64(self) -> f64;
    /// The element nearest to `v` (integers truncate toward zero and saturate).
    fn from_f64(v: f64) -> Self;
    fn zero() -> Self;
}

macro_rules! element {
    ($t:ty, $variant:ident, $to:expr, $from:expr, $zero:expr) => {
        impl Element for $t {
            const DTYPE: DType = DType::$variant;
            #[inline]
            fn slice(data: &TensorData) -> Option<&[Self]> {
                match data {
                    TensorData::$variant(v) => Some(v),
                    _ => None,
                }
            }
            #[inline]
            fn slice_mut(data: &mut TensorData) -> Option<&mut [Self]> {
                match data {
                    TensorData::$variant(v) => Some(v),
                    _ => None,
                }
            }
            #[inline]
            fn into_vec(data: TensorData) -> Result<Vec<Self>, TensorData> {
                match data {
                    TensorData::$variant(v) => Ok(v),
                    other => Err(other),
                }
            }
            #[inline]
            fn wrap(v: Vec<Self>) -> TensorData {
                TensorData::$variant(v)
            }
            #[inline]
            fn to_f64(self) -> f64 {
                let f: fn($t) -> f64 = $to;
                f(self)
            }
            #[inline]
            fn from_f64(v: f64) -> Self {
                let f: fn(f64) -> $t = $from;
                f(v)
            }
            #[inline]
            fn zero() -> Self {
                $zero
            }
        }
    };
}

element!(f32, F32, |x| x as f64, |v| v as f32, 0.0);
element!(f16, F16, |x| x.to_f64(), f16::from_f64, f16::ZERO);
element!(i8, I8, |x| x as f64, |v| v as i8, 0);
element!(u8, U8, |x| x as f64, |v| v as u8, 0);
element!(i16, I16, |x| x as f64, |v| v as i16, 0);
element!(i32, I32, |x| x as f64, |v| v as i32, 0);
element!(i64, I64, |x| x as f64, |v| v as i64, 0);
element!(bool, Bool, |x| x as u8 as f64, |v| v != 0.0, false);
// As TFLite's CAST reads a complex number: its real part.
element!(
    Complex32,
    C64,
    |x| x.re as f64,
    |v| Complex32 {
        re: v as f32,
        im: 0.0
    },
    Complex32::default()
);

/// Why a tensor could not be made.
#[derive(Clone, Debug, PartialEq)]
pub struct ShapeMismatch {
    pub shape: Shape,
    pub elements: usize,
}

impl fmt::Display for ShapeMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "shape {} needs {} elements but {} were given",
            format_shape(&self.shape),
            num_elements(&self.shape),
            self.elements
        )
    }
}

impl std::error::Error for ShapeMismatch {}

/// The number of elements of a shape (1 for rank 0).
pub fn num_elements(shape: &[usize]) -> usize {
    shape.iter().product()
}

/// `[1, 192, 192, 3]`
pub fn format_shape(shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    format!("[{}]", dims.join(", "))
}

/// A tensor: a shape and its elements in row-major order.
#[derive(Clone, PartialEq)]
pub struct Tensor {
    shape: Shape,
    data: TensorData,
}

impl fmt::Debug for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tensor<{}>{}", self.dtype(), format_shape(&self.shape))
    }
}

impl Tensor {
    /// A tensor of `shape` holding `data`; fails when the element count does not match.
    pub fn new(shape: &[usize], data: TensorData) -> Result<Tensor, ShapeMismatch> {
        if num_elements(shape) != data.len() {
            return Err(ShapeMismatch {
                shape: Shape::from_slice(shape),
                elements: data.len(),
            });
        }
        Ok(Tensor {
            shape: Shape::from_slice(shape),
            data,
        })
    }

    /// A tensor from a typed vector.
    pub fn from_vec<T: Element>(shape: &[usize], v: Vec<T>) -> Result<Tensor, ShapeMismatch> {
        Tensor::new(shape, T::wrap(v))
    }

    /// A float tensor (the common case).
    pub fn from_f32(shape: &[usize], v: Vec<f32>) -> Result<Tensor, ShapeMismatch> {
        Tensor::new(shape, TensorData::F32(v))
    }

    /// A rank-0 tensor holding `v`.
    pub fn scalar<T: Element>(v: T) -> Tensor {
        Tensor {
            shape: Shape::new(),
            data: T::wrap(vec![v]),
        }
    }

    /// A tensor of zeros.
    pub fn zeros(dtype: DType, shape: &[usize]) -> Tensor {
        Tensor {
            shape: Shape::from_slice(shape),
            data: TensorData::zeros(dtype, num_elements(shape)),
        }
    }

    /// Builds a tensor whose element count the caller has already made equal to the shape's.
    pub(crate) fn from_parts(shape: Shape, data: TensorData) -> Tensor {
        debug_assert_eq!(num_elements(&shape), data.len());
        Tensor { shape, data }
    }

    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    pub fn rank(&self) -> usize {
        self.shape.len()
    }

    pub fn len(&self) -> usize {
        self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn dtype(&self) -> DType {
        self.data.dtype()
    }

    pub fn data(&self) -> &TensorData {
        &self.data
    }

    pub fn data_mut(&mut self) -> &mut TensorData {
        &mut self.data
    }

    pub fn into_data(self) -> TensorData {
        self.data
    }

    pub fn into_parts(self) -> (Shape, TensorData) {
        (self.shape, self.data)
    }

    /// The elements as a typed slice, if the tensor has that element type.
    pub fn as_slice<T: Element>(&self) -> Option<&[T]> {
        T::slice(&self.data)
    }

    pub fn as_slice_mut<T: Element>(&mut self) -> Option<&mut [T]> {
        T::slice_mut(&mut self.data)
    }

    pub fn as_f32(&self) -> Option<&[f32]> {
        self.as_slice::<f32>()
    }

    pub fn as_f32_mut(&mut self) -> Option<&mut [f32]> {
        self.as_slice_mut::<f32>()
    }

    /// The elements as a typed vector (the tensor is consumed).
    pub fn into_vec<T: Element>(self) -> Option<Vec<T>> {
        T::into_vec(self.data).ok()
    }

    /// The same elements under another shape with the same element count.
    pub fn reshape(self, shape: &[usize]) -> Result<Tensor, ShapeMismatch> {
        Tensor::new(shape, self.data)
    }

    /// Every element converted to f64 (for index tensors and tests).
    pub fn to_f64_vec(&self) -> Vec<f64> {
        with_data!(&self.data, v => v.iter().map(|x| x.to_f64()).collect())
    }

    /// Every element converted to i64 (floats truncate toward zero).
    pub fn to_i64_vec(&self) -> Vec<i64> {
        match &self.data {
            TensorData::I32(v) => v.iter().map(|&x| x as i64).collect(),
            TensorData::I64(v) => v.clone(),
            other => with_data!(other, v => v.iter().map(|x| x.to_f64() as i64).collect()),
        }
    }

    /// Every element converted to f32.
    pub fn to_f32_vec(&self) -> Vec<f32> {
        match &self.data {
            TensorData::F32(v) => v.clone(),
            other => with_data!(other, v => v.iter().map(|x| x.to_f64() as f32).collect()),
        }
    }
}
