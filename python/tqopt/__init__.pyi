"""Type stubs of tqopt: post-training quantization of TensorFlow Lite models."""

import os
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

__version__: str

ModelLike = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, "QuantizedModel"]
ArrayLike = Any  # a numpy array, or anything numpy.asarray takes (tf.Tensor, lists)
Sample = Union[Sequence[ArrayLike], Mapping[str, ArrayLike], ArrayLike]
Dataset = Union[
    Callable[[], Iterable[Sample]],  # TFLiteConverter's representative_dataset
    Iterable[Sample],
    Mapping[str, Sequence[Mapping[str, ArrayLike]]],  # ai-edge-quantizer: {signature: [dict]}
    Mapping[str, "np.ndarray[Any, Any]"],  # {input name: [N, ...]}
    "np.ndarray[Any, Any]",  # [N, ...] for a one-input model
]
Progress = Union[None, bool, Callable[[int, int], None]]  # f(done, total)

MODES: Dict[str, str]

class TqoptError(Exception):
    """An error tqopt reports, with the command line's message."""

class Statistics:
    """Calibration statistics: every tensor's collector state; mergeable, saved as JSON."""

    def merge(self, *others: "Statistics") -> "Statistics": ...
    def save(self, path: Union[str, "os.PathLike[str]"]) -> None: ...
    @classmethod
    def load(cls, path: Union[str, "os.PathLike[str]"]) -> "Statistics": ...
    def to_json(self) -> str: ...
    @classmethod
    def from_json(cls, text: str) -> "Statistics": ...
    @property
    def method(self) -> str: ...
    @property
    def samples(self) -> int: ...
    def ranges(self) -> Dict[str, Optional[Tuple[float, float]]]: ...
    def __len__(self) -> int: ...

class QuantizedModel:
    """A quantized .tflite model with its quantization report."""

    report: Optional[Dict[str, Any]]
    warnings: str
    def model_bytes(self) -> bytes: ...
    def save(self, path: Union[str, "os.PathLike[str]"]) -> None: ...

def quantize(
    model: ModelLike,
    mode: str = "int8",
    representative_dataset: Optional[Union[Dataset, str, "os.PathLike[str]"]] = None,
    ops: Optional[str] = None,
    io: Optional[str] = None,
    method: Optional[str] = None,
    deny: Optional[str] = None,
    statistics: Optional[Statistics] = None,
    input_range: Optional[Union[str, Tuple[float, float]]] = None,
    progress: Progress = None,
    **pass_options: Union[str, int, float, bool],
) -> QuantizedModel:
    """Quantizes a .tflite model: int8 | int16x8 | dynamic-range | float16."""

def calibrate(
    model: ModelLike,
    data: Union[Dataset, str, "os.PathLike[str]"],
    mode: str = "int8",
    method: Optional[str] = None,
    progress: Progress = None,
    **pass_options: Union[str, int, float, bool],
) -> Statistics:
    """Runs the float model on data; returns its calibration statistics."""

def to_mlir(model: ModelLike, elide: Optional[int] = None, locations: bool = True) -> str:
    """The model as MLIR text (the tfl dialect)."""

def run_pipeline(
    text_or_model: Union[str, ModelLike],
    pipeline: str,
    emit: str = "mlir",
    elide: Optional[int] = None,
    locations: bool = True,
) -> Union[str, bytes]:
    """Runs a textual pipeline on MLIR text or a model; MLIR text or .tflite bytes."""

def evaluate(
    quantized: ModelLike,
    reference: ModelLike,
    data: Union[str, "os.PathLike[str]", Dataset],
    input_range: Optional[Tuple[float, float]] = None,
) -> Dict[str, Any]:
    """The figures of `tqopt eval --report` (SQNR, cosine, max abs error, top-1)."""
