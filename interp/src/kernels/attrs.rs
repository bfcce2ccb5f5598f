//! Reading op attributes, and the pieces of TFLite semantics many kernels share: the fused
//! activation function and the SAME/VALID padding rule.

use tqopt_ir::Attribute;

use super::OpInfo;
use crate::error::KResult;

impl OpInfo<'_> {
    pub fn attr_int(&self, name: &str) -> KResult<i64> {
        match self.attr(name) {
            Some(a) => a
                .as_int()
                .ok_or_else(|| format!("attribute '{name}' must be an integer")),
            None => Err(format!("attribute '{name}' is missing")),
        }
    }

    pub fn attr_int_or(&self, name: &str, default: i64) -> KResult<i64> {
        match self.attr(name) {
            Some(_) => self.attr_int(name),
            None => Ok(default),
        }
    }

    /// A positive integer attribute (strides, dilations, block sizes).
    pub fn attr_positive(&self, name: &str) -> KResult<usize> {
        let v = self.attr_int(name)?;
        if v <= 0 {
            return Err(format!("attribute '{name}' must be positive but is {v}"));
        }
        Ok(v as usize)
    }

    pub fn attr_bool_or(&self, name: &str, default: bool) -> KResult<bool> {
        match self.attr(name) {
            None => Ok(default),
            Some(Attribute::Unit) => Ok(true),
            Some(a) => a
                .as_bool()
                .ok_or_else(|| format!("attribute '{name}' must be a boolean")),
        }
    }

    pub fn attr_f32(&self, name: &str) -> KResult<f32> {
        match self.attr(name) {
            Some(Attribute::Float { value, .. }) => Ok(*value as f32),
            Some(Attribute::Int { value, .. }) => Ok(*value as f32),
            Some(_) => Err(format!("attribute '{name}' must be a float")),
            None => Err(format!("attribute '{name}' is missing")),
        }
    }

    pub fn attr_str(&self, name: &str) -> KResult<&str> {
        match self.attr(name) {
            Some(a) => a
                .as_str()
                .ok_or_else(|| format!("attribute '{name}' must be a string")),
            None => Err(format!("attribute '{name}' is missing")),
        }
    }

    /// `fused_activation_function`, "NONE" when absent.
    pub fn activation(&self) -> KResult<Activation> {
        match self.attr("fused_activation_function") {
            None => Ok(Activation::None),
            Some(_) => Activation::parse(self.attr_str("fused_activation_function")?),
        }
    }

    /// `padding`: "SAME" or "VALID".
    pub fn padding(&self) -> KResult<Padding> {
        Padding::parse(self.attr_str("padding")?)
    }
}

/// A fused activation function.
#[derive(Copy, Clone, Debug, PartialEq)]
pub(crate) enum Activation {
    None,
    Relu,
    ReluN1To1,
    Relu6,
    Tanh,
    SignBit,
}

impl Activation {
    pub fn parse(s: &str) -> KResult<Activation> {
        Ok(match s {
            "NONE" => Activation::None,
            "RELU" => Activation::Relu,
            "RELU_N1_TO_1" => Activation::ReluN1To1,
            "RELU6" => Activation::Relu6,
            "TANH" => Activation::Tanh,
            "SIGN_BIT" => Activation::SignBit,
            other => return Err(format!("unknown fused_activation_function '{other}'")),
        })
    }

    /// The clamp bounds of the piecewise-linear activations; `None` for TANH and SIGN_BIT.
    pub fn bounds(self) -> Option<(f32, f32)> {
        match self {
            Activation::None => Some((f32::NEG_INFINITY, f32::INFINITY)),
            Activation::Relu => Some((0.0, f32::INFINITY)),
            Activation::ReluN1To1 => Some((-1.0, 1.0)),
            Activation::Relu6 => Some((0.0, 6.0)),
            Activation::Tanh | Activation::SignBit => None,
        }
    }

    pub fn is_none(self) -> bool {
        self == Activation::None
    }

    /// Applies the activation in place.
    pub fn apply(self, data: &mut [f32]) {
        match self {
            Activation::None => {}
            Activation::Tanh => data.iter_mut().for_each(|x| *x = x.tanh()),
            Activation::SignBit => data
                .iter_mut()
                .for_each(|x| *x = if x.is_sign_negative() { 1.0 } else { 0.0 }),
            other => {
                if let Some((lo, hi)) = other.bounds() {
                    super::simd::clamp(data, lo, hi);
                }
            }
        }
    }
}

/// TFLite's padding schemes.
#[derive(Copy, Clone, Debug, PartialEq)]
pub(crate) enum Padding {
    Same,
    Valid,
}

impl Padding {
    pub fn parse(s: &str) -> KResult<Padding> {
        match s {
            "SAME" => Ok(Padding::Same),
            "VALID" => Ok(Padding::Valid),
            other => Err(format!("unknown padding '{other}'")),
        }
    }

    /// Output size and padding before the first element along one spatial axis, as TFLite
    /// computes them: SAME gives ceil(in / stride) with the total padding split so that the
    /// extra element (if any) goes after; VALID gives floor((in - dilated filter) / stride) + 1.
    pub fn output_and_pad(
        self,
        input: usize,
        filter: usize,
        stride: usize,
        dilation: usize,
    ) -> KResult<(usize, usize)> {
        let effective = (filter.max(1) - 1) * dilation + 1;
        let out = match self {
            Padding::Same => input.div_ceil(stride),
            Padding::Valid => {
                if input < effective {
                    return Err(format!(
                        "VALID padding: input size {input} is smaller than the filter's extent {effective}"
                    ));
                }
                (input - effective) / stride + 1
            }
        };
        let needed = (out.saturating_sub(1)) * stride + effective;
        let total = needed.saturating_sub(input);
        Ok((out, total / 2))
    }
}
