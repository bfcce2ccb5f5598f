//! `tqopt._tqopt`: the Python extension module behind the `tqopt` package. It is a thin layer
//! over the library's [`tqopt::api`]: the Python side (`python/tqopt/__init__.py`) turns
//! generators, lists and dicts into samples of arrays, and this module hands them to Rust
//! without copying (each array's buffer is lent through numpy's `__array_interface__`, the
//! array kept alive while Rust reads it), releases the GIL for the long work, and raises
//! `tqopt.TqoptError` with the command line's messages.

use std::sync::Arc;

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString, PyTuple};

use tqopt::api::{self, CalibrationInput, Input, MemoryArray, MemoryData};
use tqopt_ir::blob::BlobOwner;
use tqopt_ir::Blob;
use tqopt_passes::calibration::dataset::DataSource;
use tqopt_passes::calibration::statistics;
use tqopt_passes::pass::ProgressFn;
use tqopt_passes::{PassSpec, Progress};
use tqopt_textual_ir::PrintOptions;

create_exception!(
    _tqopt,
    TqoptError,
    PyException,
    "An error tqopt reports (the command line's message): a model it cannot read, data that does not fit the model's inputs, statistics of another model, a pass that fails."
);

fn err(message: String) -> PyErr {
    TqoptError::new_err(message)
}

/// The bytes of a C-contiguous numpy array, lent without a copy: the array object is held so
/// that its buffer lives as long as the blob.
struct ArrayBytes {
    _array: Py<PyAny>,
    ptr: usize,
    len: usize,
}

impl BlobOwner for ArrayBytes {
    fn bytes(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: `ptr` and `len` come from the array's `__array_interface__` (its data
        // pointer and its item count times item size, checked C-contiguous), and `_array`
        // keeps the array, hence its buffer, alive for as long as this owner exists.
        unsafe { std::slice::from_raw_parts(self.ptr as *const u8, self.len) }
    }
}

/// One array as [`MemoryArray`]: its dtype, shape and buffer from `__array_interface__`.
fn memory_array(key: Option<String>, array: &Bound<'_, PyAny>) -> PyResult<MemoryArray> {
    let interface = array.getattr("__array_interface__").map_err(|_| {
        PyValueError::new_err("expected a numpy array (an object with __array_interface__)")
    })?;
    let interface = interface.downcast::<PyDict>()?;
    let get = |k: &str| -> PyResult<Bound<'_, PyAny>> {
        interface
            .get_item(k)?
            .ok_or_else(|| PyValueError::new_err(format!("__array_interface__ has no '{k}'")))
    };
    let descr: String = get("typestr")?.extract()?;
    let shape: Vec<usize> = get("shape")?.extract()?;
    if let Some(strides) = interface.get_item("strides")? {
        if !strides.is_none() {
            return Err(PyValueError::new_err(
                "the array is not C-contiguous (pass numpy.ascontiguousarray(a))",
            ));
        }
    }
    let (ptr, _readonly): (usize, bool) = get("data")?.extract()?;
    let item: usize = descr
        .get(2..)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| PyValueError::new_err(format!("unknown array type '{descr}'")))?;
    let len = shape
        .iter()
        .try_fold(item, |n, &d| n.checked_mul(d))
        .ok_or_else(|| PyValueError::new_err("the array's size overflows"))?;
    let owner = ArrayBytes {
        _array: array.clone().unbind(),
        ptr,
        len,
    };
    let bytes = Blob::from_owner(Arc::new(owner), 0..len)
        .ok_or_else(|| PyValueError::new_err("the array's buffer is out of range"))?;
    Ok(MemoryArray {
        key,
        descr,
        shape,
        bytes,
    })
}

/// `samples`: a list of samples, each a list of `(key or None, array)`.
fn memory_data(name: &str, samples: &Bound<'_, PyAny>) -> PyResult<DataSource> {
    let mut out = Vec::new();
    for sample in samples.try_iter()? {
        let mut arrays = Vec::new();
        for pair in sample?.try_iter()? {
            let pair = pair?;
            let pair = pair.downcast::<PyTuple>()?;
            let key: Option<String> = pair.get_item(0)?.extract()?;
            arrays.push(memory_array(key, &pair.get_item(1)?)?);
        }
        out.push(arrays);
    }
    Ok(DataSource::Memory(Arc::new(MemoryData {
        name: name.to_string(),
        samples: out,
    })))
}

/// A model given as a path (str or os.PathLike) or as bytes.
fn model_input(model: &Bound<'_, PyAny>) -> PyResult<Input> {
    if let Ok(b) = model.downcast::<PyBytes>() {
        return Ok(Input::new("<bytes>", Blob::from_vec(b.as_bytes().to_vec())));
    }
    let path = if model.is_instance_of::<PyString>() {
        model.extract::<String>()?
    } else {
        let fspath = model.py().import("os")?.getattr("fspath")?;
        fspath.call1((model,))?.extract::<String>().map_err(|_| {
            PyValueError::new_err("model must be a path (str or os.PathLike) or bytes")
        })?
    };
    Input::read(&path).map_err(err)
}

/// Calibration progress sent to a Python callable `callback(done, total)` (its exceptions are
/// printed, not raised: calibration goes on).
fn progress_fn(callback: Option<Py<PyAny>>) -> Option<Box<ProgressFn>> {
    let callback = callback?;
    Some(Box::new(move |p: &Progress| {
        Python::with_gil(|py| {
            if let Err(e) = callback.call1(py, (p.done, p.total)) {
                e.print(py);
            }
        })
    }))
}

fn spec(pipeline: &str, options: Vec<(String, String)>) -> PassSpec {
    PassSpec {
        name: pipeline.to_string(),
        options,
    }
}

/// Calibration statistics (see tqopt.Statistics).
#[pyclass(module = "tqopt._tqopt", name = "Statistics")]
#[derive(Clone)]
struct Statistics {
    inner: statistics::Statistics,
}

#[pymethods]
impl Statistics {
    /// The statistics of both: self's samples and other's.
    fn merge(&self, other: &Statistics) -> PyResult<Statistics> {
        let mut merged = self.inner.clone();
        merged.merge(&other.inner).map_err(err)?;
        Ok(Statistics { inner: merged })
    }

    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Statistics> {
        statistics::Statistics::from_json(text)
            .map(|inner| Statistics { inner })
            .map_err(err)
    }

    #[getter]
    fn method(&self) -> &'static str {
        self.inner.method.name()
    }

    #[getter]
    fn samples(&self) -> u64 {
        self.inner.samples
    }

    #[getter]
    fn model(&self) -> String {
        self.inner.model.clone()
    }

    fn __len__(&self) -> usize {
        self.inner.tensors.len()
    }

    /// `{tensor name: (min, max)}` of the collectors (before the range rules of the method).
    fn ranges(&self) -> Vec<(String, Option<(f64, f64)>)> {
        self.inner
            .tensors
            .iter()
            .map(|t| (t.name.clone(), t.collector.range()))
            .collect()
    }

    fn __eq__(&self, other: &Statistics) -> bool {
        self.inner == other.inner
    }

    fn __repr__(&self) -> String {
        format!(
            "Statistics(method='{}', samples={}, tensors={})",
            self.inner.method.name(),
            self.inner.samples,
            self.inner.tensors.len()
        )
    }
}

/// quantize(model, pipeline, options, samples, statistics) -> (bytes, report_json, warnings)
#[pyfunction]
#[pyo3(signature = (model, pipeline, options, samples=None, statistics=None, progress=None))]
fn quantize<'py>(
    py: Python<'py>,
    model: &Bound<'py, PyAny>,
    pipeline: &str,
    options: Vec<(String, String)>,
    samples: Option<&Bound<'py, PyAny>>,
    statistics: Option<&Statistics>,
    progress: Option<Py<PyAny>>,
) -> PyResult<(Bound<'py, PyBytes>, Option<String>, String)> {
    let input = model_input(model)?;
    let calibration = match (samples, statistics) {
        (Some(_), Some(_)) => {
            return Err(PyValueError::new_err(
                "give representative_dataset or statistics, not both",
            ))
        }
        (Some(s), None) => CalibrationInput::Data(memory_data("representative_dataset", s)?),
        (None, Some(s)) => CalibrationInput::Statistics(s.inner.clone()),
        (None, None) => CalibrationInput::FromOptions,
    };
    let specs = [spec(pipeline, options)];
    let progress = progress_fn(progress);
    let out = py
        .allow_threads(|| api::run(&input, &specs, &calibration, false, None, progress))
        .map_err(err)?;
    let model = out
        .model
        .ok_or_else(|| err("the pipeline exported no model".into()))?;
    Ok((PyBytes::new(py, &model), out.report_json, out.warnings))
}

/// calibrate(model, pipeline, options, samples, path) -> Statistics: samples in memory, or
/// the data set at `path` (.npy, .npz, a folder of images).
#[pyfunction]
#[pyo3(signature = (model, pipeline, options, samples, path=None, progress=None))]
fn calibrate(
    py: Python<'_>,
    model: &Bound<'_, PyAny>,
    pipeline: &str,
    options: Vec<(String, String)>,
    samples: Option<&Bound<'_, PyAny>>,
    path: Option<String>,
    progress: Option<Py<PyAny>>,
) -> PyResult<Statistics> {
    let input = model_input(model)?;
    let data = match (samples, path) {
        (Some(s), None) => memory_data("data", s)?,
        (None, Some(p)) => DataSource::Path(p.into()),
        _ => return Err(PyValueError::new_err("give samples or a path")),
    };
    let specs = [spec(pipeline, options)];
    let progress = progress_fn(progress);
    let inner = py
        .allow_threads(|| api::calibrate_only(&input, &specs, data, progress))
        .map_err(err)?;
    Ok(Statistics { inner })
}

/// run_pipeline(model, pipeline_text, emit_tflite, elide, locations) -> bytes | str
#[pyfunction]
#[pyo3(signature = (model, pipeline, emit_tflite=false, elide=None, locations=true))]
fn run_pipeline(
    py: Python<'_>,
    model: &Bound<'_, PyAny>,
    pipeline: &str,
    emit_tflite: bool,
    elide: Option<usize>,
    locations: bool,
) -> PyResult<PyObject> {
    let input = if let Ok(text) = model.downcast::<PyString>() {
        // MLIR text is given as text; a str naming a file is read.
        let text: String = text.extract()?;
        if text.contains('\n')
            || text.trim_start().starts_with("module")
            || text.contains("func.func")
        {
            Input::new("<text>", Blob::from_vec(text.as_bytes().to_vec()))
        } else {
            model_input(model)?
        }
    } else {
        model_input(model)?
    };
    let specs = tqopt_passes::parse_pipeline(pipeline).map_err(err)?;
    let print = PrintOptions {
        elide_elements_larger_than: elide,
        locations,
        ..PrintOptions::default()
    };
    let out = py
        .allow_threads(|| {
            api::run(
                &input,
                &specs,
                &CalibrationInput::FromOptions,
                false,
                (!emit_tflite).then_some(&print),
                None,
            )
        })
        .map_err(err)?;
    Ok(match (out.model, out.text) {
        (Some(m), _) => PyBytes::new(py, &m).into_any().unbind(),
        (None, Some(t)) => PyString::new(py, &t).into_any().unbind(),
        _ => return Err(err("the pipeline produced nothing".into())),
    })
}

/// Runs the `tqopt` command line with `args` (without the program name); returns its exit
/// code. Standard input, output and error are the process's.
#[pyfunction]
fn cli_main(py: Python<'_>, args: Vec<String>) -> i32 {
    py.allow_threads(|| tqopt::main(&args))
}

#[pymodule]
fn _tqopt(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("TqoptError", m.py().get_type::<TqoptError>())?;
    m.add_class::<Statistics>()?;
    m.add_function(wrap_pyfunction!(quantize, m)?)?;
    m.add_function(wrap_pyfunction!(calibrate, m)?)?;
    m.add_function(wrap_pyfunction!(run_pipeline, m)?)?;
    m.add_function(wrap_pyfunction!(cli_main, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
