"""tqopt: post-training quantization of TensorFlow Lite models, from Python.

The same compiler as the ``tqopt`` command (installed with this package), with the habits of
TensorFlow's ``TFLiteConverter`` and of ai-edge-quantizer::

    import tqopt
    q = tqopt.quantize("model.tflite", mode="int8", representative_dataset=gen)
    q.save("model_int8.tflite"); q.report          # the dict of ``tqopt --report``

    stats = tqopt.calibrate("model.tflite", shard)  # calibration statistics of one shard
    stats = stats.merge(other)                      # exact for minmax
    q = tqopt.quantize("model.tflite", mode="int8", statistics=stats)

Calibration data (``representative_dataset``, ``data``) may be:

- a generator function or an iterable of samples (TFLiteConverter's ``representative_dataset``),
  each sample a list or tuple of arrays in input order, a dict of arrays by input name
  (signature name or tensor name), or one array for a one-input model;
- ai-edge-quantizer's calibration data: a list of dicts, or ``{signature: [dict, ...]}``;
- a dict of arrays by input name whose first axis is the sample, or one such array;
- a path the command line reads: a ``.npy``, a ``.npz`` or a folder of images.

Arrays keep their element type: float inputs take float32 (float16, float64 and uint8 are
converted), integer inputs integer arrays, bool inputs bool arrays. A sample's array may have
the input's shape or leave out its leading batch of 1. C-contiguous arrays go to Rust without a
copy; long calls release the GIL. Errors raise :class:`TqoptError` with the command line's
messages.
"""

import json as _json
import os as _os
import tempfile as _tempfile

import numpy as _np

from . import _tqopt
from ._tqopt import TqoptError

__all__ = [
    "quantize",
    "calibrate",
    "to_mlir",
    "run_pipeline",
    "evaluate",
    "QuantizedModel",
    "Statistics",
    "TqoptError",
    "MODES",
]

__version__ = _tqopt.__version__

#: The quantization modes and the pipelines they run.
MODES = {
    "int8": "quantize-int8",
    "int16x8": "quantize-int16x8",
    "dynamic-range": "quantize-dynamic-range",
    "float16": "quantize-float16",
}

_CALIBRATED = ("int8", "int16x8")


class Statistics:
    """Calibration statistics: every tensor's collector state after calibrating on some data.

    Statistics of shards of a data set merge into the statistics of the whole set (exactly for
    ``minmax``; see the JSON format's documentation for the other methods), save as JSON and load
    back. They belong to one model and one set of pass options (a fingerprint checks it).
    """

    __slots__ = ("_inner",)

    def __init__(self, inner):
        self._inner = inner

    def merge(self, *others):
        """The statistics of these samples and of ``others``' (a new object)."""
        inner = self._inner
        for o in others:
            if not isinstance(o, Statistics):
                raise TypeError(f"can only merge Statistics, not {type(o).__name__}")
            inner = inner.merge(o._inner)
        return Statistics(inner)

    def save(self, path):
        """Writes the statistics as JSON (the format of ``tqopt --save-stats``)."""
        text = self._inner.to_json()
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)

    @classmethod
    def load(cls, path):
        """Reads statistics saved by :meth:`save` or ``tqopt --save-stats``."""
        with open(path, encoding="utf-8") as f:
            text = f.read()
        try:
            return cls(_tqopt.Statistics.from_json(text))
        except TqoptError as e:
            raise TqoptError(f"{_os.fspath(path)}: {e}") from None

    def to_json(self):
        """The JSON text."""
        return self._inner.to_json()

    @classmethod
    def from_json(cls, text):
        return cls(_tqopt.Statistics.from_json(text))

    @property
    def method(self):
        """The calibration method: minmax, moving-average, percentile or mse."""
        return self._inner.method

    @property
    def samples(self):
        """How many samples were run."""
        return self._inner.samples

    def ranges(self):
        """``{tensor name: (min, max)}`` as the method computes it (None: no finite value)."""
        return dict(self._inner.ranges())

    def __len__(self):
        return len(self._inner)

    def __eq__(self, other):
        return isinstance(other, Statistics) and self._inner == other._inner

    def __repr__(self):
        return repr(self._inner)


class QuantizedModel:
    """A quantized ``.tflite`` model with its quantization report."""

    __slots__ = ("_bytes", "report", "warnings")

    def __init__(self, model_bytes, report, warnings):
        self._bytes = model_bytes
        #: The quantization report, the dict ``tqopt --report`` writes (None if not quantizing).
        self.report = report
        #: Warnings and notes, as the command line prints them.
        self.warnings = warnings

    def model_bytes(self):
        """The ``.tflite`` flatbuffer."""
        return self._bytes

    def save(self, path):
        """Writes the model to ``path``."""
        with open(path, "wb") as f:
            f.write(self._bytes)

    def __repr__(self):
        r = self.report or {}
        return (
            f"QuantizedModel({len(self._bytes)} bytes, "
            f"{r.get('quantized_ops', '?')} of {r.get('total_ops', '?')} ops quantized)"
        )


def _array(value):
    """A C-contiguous, little-endian numpy array (copied only when it is not one)."""
    a = _np.asarray(value)
    if a.dtype.kind not in "biuf":
        raise TypeError(
            f"calibration arrays must hold numbers or bools, not {a.dtype} values"
        )
    if a.dtype.byteorder == ">":
        a = a.astype(a.dtype.newbyteorder("<"))
    return _np.ascontiguousarray(a)


def _sample(item):
    """One sample as ``[(key or None, array)]``."""
    if isinstance(item, dict):
        return [(str(k), _array(v)) for k, v in item.items()]
    if isinstance(item, (list, tuple)):
        return [(None, _array(v)) for v in item]
    return [(None, _array(item))]


def _batched(arrays):
    """``{name: [N, ...]}`` or ``[N, ...]`` split into N samples."""
    if isinstance(arrays, dict):
        arrays = {str(k): _np.asarray(v) for k, v in arrays.items()}
        counts = {len(v) for v in arrays.values()}
        if len(counts) != 1:
            sizes = ", ".join(f"{k}: {len(v)}" for k, v in arrays.items())
            raise ValueError(f"the arrays hold different numbers of samples ({sizes})")
        (n,) = counts
        return [[(k, _array(v[i])) for k, v in arrays.items()] for i in range(n)]
    return [[(None, _array(x))] for x in arrays]


def _samples(data, what):
    """Every sample of ``data`` (see the module documentation) as ``[[(key, array)]]``."""
    if data is None:
        return None
    if callable(data) and not isinstance(data, (list, tuple, dict, _np.ndarray)):
        data = data()
    if isinstance(data, _np.ndarray):
        samples = _batched(data)
    elif isinstance(data, dict):
        values = list(data.values())
        if values and all(isinstance(v, (list, tuple)) for v in values):
            # ai-edge-quantizer: {signature key: [ {input name: array}, ... ]}
            if len(data) == 1:
                data = values[0]
            elif "serving_default" in data:
                data = data["serving_default"]
            else:
                raise ValueError(
                    f"{what} holds data for several signatures ({', '.join(map(str, data))}): "
                    "give one signature's list of samples (tqopt runs every signature on it)"
                )
            samples = [_sample(x) for x in data]
        else:
            samples = _batched(data)
    else:
        try:
            it = iter(data)
        except TypeError:
            raise TypeError(
                f"{what} must be a generator, a list of samples, an array or a dict of arrays, "
                f"not {type(data).__name__}"
            ) from None
        samples = [_sample(x) for x in it]
    if not samples:
        raise ValueError(f"{what} holds no samples")
    return samples


def _progress(progress):
    """The calibration progress callback ``f(done, total)``: ``progress`` itself when callable,
    a tqdm bar when True and tqdm is installed, else none."""
    if progress is None or progress is False:
        return None
    if callable(progress):
        return progress
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    bar = None

    def update(done, total):
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc="calibrating", unit="sample")
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return update


def _option_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _options(mode, **options):
    """Pass options as ``[(name, text)]``: names with ``-`` for ``_``; None left out."""
    out = []
    for k, v in options.items():
        if v is None:
            continue
        if k == "input_range" and isinstance(v, (tuple, list)):
            v = ",".join(str(x) for x in v)
        out.append((k.replace("_", "-"), _option_value(v)))
    return out


def _model(model):
    if isinstance(model, (bytes, bytearray, memoryview)):
        return bytes(model)
    if isinstance(model, QuantizedModel):
        return model.model_bytes()
    return model


def _pipeline(mode):
    try:
        return MODES[mode]
    except KeyError:
        raise ValueError(
            f"unknown mode {mode!r}: use {', '.join(MODES)}"
        ) from None


def quantize(
    model,
    mode="int8",
    representative_dataset=None,
    ops=None,
    io=None,
    method=None,
    deny=None,
    statistics=None,
    input_range=None,
    progress=None,
    **pass_options,
):
    """Quantizes a ``.tflite`` model; returns a :class:`QuantizedModel`.

    Args:
      model: a path to a ``.tflite`` file, or its bytes.
      mode: ``int8`` (full integer), ``int16x8`` (int16 activations, int8 weights),
        ``dynamic-range`` (int8 weights, float activations) or ``float16`` (float16 weights).
      representative_dataset: calibration data for int8 and int16x8 (see the module
        documentation): TFLiteConverter's generator, ai-edge-quantizer's list of dicts, arrays.
      ops: the OpsSet: ``TFLITE_BUILTINS`` (default; ops without integer kernels stay float) or
        ``TFLITE_BUILTINS_INT8`` (all integer or an error).
      io: the model's input and output type: ``float`` (default), ``int8``, ``uint8``
        (``int16`` for int16x8).
      method: calibration method: ``minmax`` (TensorFlow's), ``moving-average``,
        ``percentile``, ``mse`` or, for int8, ``auto`` (the default, as on the command line:
        minmax, then each tensor's range chosen among the four by the output SQNR on the
        data; with ``statistics`` the ranges stay as the statistics say).
      deny: a regular expression: ops whose name or location matches stay float.
      statistics: :class:`Statistics` to quantize with instead of data (from :func:`calibrate`,
        perhaps merged over shards).
      input_range: ``(lo, hi)`` images are scaled to (only for image folders; arrays are fed as
        they are).
      progress: True to show calibration with a tqdm bar (when tqdm is installed), or a
        callable ``f(done, total)`` called as samples are run (per signature).
      **pass_options: any other option of the mode's pipeline (``tqopt --help``), with ``_``
        for ``-``: ``per_channel=False``, ``target="reference"``, ``sparse_weights=False``...

    Raises:
      TqoptError: with the command line's message (the model, the data, a pass).
    """
    pipeline = _pipeline(mode)
    if mode in _CALIBRATED and representative_dataset is None and statistics is None:
        raise ValueError(
            f"mode {mode!r} needs calibration: give representative_dataset= or statistics="
        )
    if mode not in _CALIBRATED and (representative_dataset is not None or statistics is not None):
        raise ValueError(f"mode {mode!r} does not calibrate: leave out representative_dataset and statistics")
    if statistics is not None and not isinstance(statistics, Statistics):
        raise TypeError("statistics must be tqopt.Statistics (tqopt.calibrate or Statistics.load)")
    if statistics is not None and method is None:
        method = statistics.method
    options = _options(
        mode, ops=ops, io=io, method=method, deny=deny, input_range=input_range, **pass_options
    )
    if isinstance(representative_dataset, (str, _os.PathLike)):
        # A file or folder the command line reads (.npy, .npz, images).
        options.append(("calibration", _os.fspath(representative_dataset)))
        representative_dataset = None
    samples = _samples(representative_dataset, "representative_dataset")
    model_bytes, report, warnings = _tqopt.quantize(
        _model(model),
        pipeline,
        options,
        samples,
        statistics._inner if statistics is not None else None,
        _progress(progress),
    )
    return QuantizedModel(model_bytes, _json.loads(report) if report else None, warnings)


def calibrate(model, data, mode="int8", method=None, progress=None, **pass_options):
    """Runs the float model on ``data`` and returns its calibration :class:`Statistics`.

    The model goes through the passes ``quantize(model, mode, ...)`` runs before calibrating,
    so give the same ``mode`` and pass options (``target``...) as the :func:`quantize` that will
    use the statistics. ``progress``: as for :func:`quantize`.
    """
    pipeline = _pipeline(mode)
    if mode not in _CALIBRATED:
        raise ValueError(f"mode {mode!r} does not calibrate: use int8 or int16x8")
    options = _options(mode, method=method, **pass_options)
    if isinstance(data, (str, _os.PathLike)):
        samples, path = None, _os.fspath(data)
    else:
        samples, path = _samples(data, "data"), None
    return Statistics(
        _tqopt.calibrate(_model(model), pipeline, options, samples, path, _progress(progress))
    )


def to_mlir(model, elide=None, locations=True):
    """The model as MLIR text (TensorFlow's tfl dialect), as ``tqopt model.tflite`` prints it.

    ``elide``: print constants with more than this many elements as ``__elided__``.
    """
    return _tqopt.run_pipeline(_model(model), "", False, elide, locations)


def run_pipeline(text_or_model, pipeline, emit="mlir", elide=None, locations=True):
    """Runs a textual pipeline (``"builtin.module(canonicalize,dce)"``) on MLIR text or a model.

    ``emit="mlir"`` returns MLIR text, ``emit="tflite"`` the ``.tflite`` bytes.
    """
    if emit not in ("mlir", "tflite"):
        raise ValueError(f"emit must be 'mlir' or 'tflite', not {emit!r}")
    return _tqopt.run_pipeline(_model(text_or_model), pipeline, emit == "tflite", elide, locations)


def evaluate(quantized, reference, data, input_range=None):
    """How far ``quantized``'s outputs are from ``reference``'s on ``data``: the dict
    ``tqopt eval --report`` writes (SQNR, cosine, max abs error, top-1 per output).

    ``data``: a path (``.npy``, ``.npz``, image folder) or arrays as for :func:`calibrate`
    (written to a temporary ``.npz`` for the command).
    """
    with _tempfile.TemporaryDirectory(prefix="tqopt-eval-") as tmp:

        def path_of(model, name):
            m = _model(model)
            if isinstance(m, bytes):
                p = _os.path.join(tmp, name)
                with open(p, "wb") as f:
                    f.write(m)
                return p
            return _os.fspath(m)

        if isinstance(data, (str, _os.PathLike)):
            data_path = _os.fspath(data)
        else:
            samples = _samples(data, "data")
            keyed = samples[0][0][0] is not None
            arrays = {}
            for i, (k, _) in enumerate(samples[0]):
                key = k if keyed else f"arr_{i}"
                arrays[key] = _np.stack([s[i][1] for s in samples])
            data_path = _os.path.join(tmp, "data.npz")
            _np.savez(data_path, **arrays)
        report = _os.path.join(tmp, "eval.json")
        args = [
            "eval",
            path_of(quantized, "quantized.tflite"),
            "--reference",
            path_of(reference, "reference.tflite"),
            "--data",
            data_path,
            "--report",
            report,
        ]
        if input_range is not None:
            args.append("--input-range=" + ",".join(str(x) for x in input_range))
        code = _tqopt.cli_main(args)
        if code != 0 or not _os.path.exists(report):
            raise TqoptError(f"tqopt eval failed (exit code {code}; its message is above)")
        with open(report, encoding="utf-8") as f:
            return _json.load(f)
