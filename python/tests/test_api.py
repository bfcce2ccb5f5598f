"""The Python package against the command line: the same bytes on the same data, whatever form
the data takes (TFLiteConverter's generator of lists or dicts, ai-edge-quantizer's list of
dicts, arrays), merged shard statistics, errors with the CLI's messages, and the installed
``tqopt`` command.

Runs against the installed package (python/test.sh installs it into target/venv-py). The CLI
compared with is $TQOPT_BIN (the cargo-built binary), else the package's own command.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tqopt

ROOT = Path(__file__).resolve().parents[2]
ZOO = ROOT / "tests" / "models" / "zoo"
BERT = ZOO / "bert.tflite"  # two int32 inputs: input_ids, attention_mask
AUDIO = ZOO / "conv1d_audio.tflite"  # one float32 input, waveform [1, 1024, 1]


def cli_bin():
    return os.environ.get("TQOPT_BIN") or shutil.which("tqopt", path=str(Path(sys.executable).parent))


def cli(tmp_path, model, *args):
    """Runs the command line; returns the bytes it wrote."""
    out = tmp_path / "cli.tflite"
    r = subprocess.run([cli_bin(), str(model), *args, "-o", str(out), "--no-progress"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return out.read_bytes()


def calib(name):
    with np.load(ZOO / f"{name}_calib.npz") as z:
        return {k: z[k] for k in z.files}


@pytest.fixture(scope="module")
def bert_cli(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bert")
    return cli(tmp, BERT, "--pass=quantize-int8", f"--calibration-data={ZOO / 'bert_calib.npz'}")


def test_dict_generator_gives_the_cli_bytes_on_a_two_input_int32_model(bert_cli):
    data = calib("bert")
    assert all(a.dtype == np.int32 for a in data.values())

    def representative_dataset():
        for i in range(len(data["input_ids"])):
            yield {k: v[i:i + 1] for k, v in data.items()}

    q = tqopt.quantize(str(BERT), mode="int8", representative_dataset=representative_dataset)
    assert q.model_bytes() == bert_cli
    assert q.report["total_ops"] > 0 and q.report["quantized_ops"] > 0


def test_ai_edge_quantizer_forms_give_the_same_bytes(bert_cli):
    data = calib("bert")
    rows = [{k: v[i] for k, v in data.items()} for i in range(len(data["input_ids"]))]
    assert tqopt.quantize(BERT, representative_dataset=rows).model_bytes() == bert_cli
    by_signature = {"serving_default": rows}
    assert tqopt.quantize(BERT, representative_dataset=by_signature).model_bytes() == bert_cli
    # A dict of arrays with a leading sample axis, and the model given as bytes.
    assert tqopt.quantize(BERT.read_bytes(), representative_dataset=data).model_bytes() == bert_cli


def test_list_generator_and_array_forms_give_the_cli_bytes(tmp_path):
    waves = calib("conv1d_audio")["waveform"]
    expected = cli(tmp_path, AUDIO, "--pass=quantize-int8{io=int8}",
                   f"--calibration-data={ZOO / 'conv1d_audio_calib.npz'}")

    def gen():
        for w in waves:
            yield [w[None]]  # TFLiteConverter's form: a list of arrays in input order, batch 1

    assert tqopt.quantize(AUDIO, representative_dataset=gen, io="int8").model_bytes() == expected
    assert tqopt.quantize(AUDIO, representative_dataset=waves, io="int8").model_bytes() == expected
    # Non-contiguous and float64 arrays are converted, not refused.
    fortran = [np.asfortranarray(w.astype(np.float64)) for w in waves]
    assert tqopt.quantize(AUDIO, representative_dataset=fortran, io="int8").model_bytes() == expected


def test_merged_shard_statistics_are_exact_for_minmax(tmp_path):
    data = calib("bert")
    # Statistics alone give minmax ranges: no data is there for method=auto to choose on.
    minmax_cli = cli(tmp_path, BERT, "--pass=quantize-int8{method=minmax}",
                     f"--calibration-data={ZOO / 'bert_calib.npz'}")
    cuts = [0, 3, 4, 11, 16]
    shards = [tqopt.calibrate(BERT, {k: v[a:b] for k, v in data.items()})
              for a, b in zip(cuts, cuts[1:])]
    whole = tqopt.calibrate(BERT, data)
    merged = shards[0].merge(*shards[1:])
    assert merged == whole and merged.samples == 16
    assert shards[3].merge(shards[1], shards[0], shards[2]).ranges() == whole.ranges()
    assert tqopt.quantize(BERT, statistics=merged).model_bytes() == minmax_cli
    # Saved and loaded, and read by the command line.
    merged.save(tmp_path / "s.json")
    assert tqopt.Statistics.load(tmp_path / "s.json") == merged
    assert cli(tmp_path, BERT, "--pass=quantize-int8", f"--statistics={tmp_path / 's.json'}") == minmax_cli


def test_the_cli_saves_the_statistics_the_package_collects(tmp_path):
    data = calib("bert")
    np.savez(tmp_path / "part.npz", **{k: v[:6] for k, v in data.items()})
    cli(tmp_path, BERT, "--pass=quantize-int8", f"--calibration-data={tmp_path / 'part.npz'}",
        f"--save-stats={tmp_path / 'cli.json'}")
    mine = tqopt.calibrate(BERT, {k: v[:6] for k, v in data.items()})
    assert tqopt.Statistics.load(tmp_path / "cli.json") == mine


@pytest.mark.parametrize("method", ["moving-average", "percentile", "mse"])
def test_other_methods_merge_within_their_documented_tolerance(method):
    waves = calib("conv1d_audio")["waveform"]
    whole = tqopt.calibrate(AUDIO, waves, method=method)
    merged = tqopt.calibrate(AUDIO, waves[:7], method=method).merge(
        tqopt.calibrate(AUDIO, waves[7:], method=method))
    assert merged.method == method and merged.samples == whole.samples
    a, b = whole.ranges(), merged.ranges()
    assert a.keys() == b.keys()
    for name, (lo, hi) in a.items():
        lo2, hi2 = b[name]
        # moving-average: float64 rounding; histograms: a bin of the merged histogram.
        tol = 1e-9 * max(1.0, abs(lo), abs(hi)) if method == "moving-average" else (hi - lo) / 1024
        assert abs(lo - lo2) <= tol and abs(hi - hi2) <= tol, (name, (lo, hi), (lo2, hi2))
    q = tqopt.quantize(AUDIO, statistics=merged)
    assert q.report["quantized_ops"] > 0


def test_errors_carry_the_cli_messages(tmp_path):
    data = calib("bert")
    with pytest.raises(tqopt.TqoptError, match=r"1 array is given but the model has 2 inputs"):
        tqopt.quantize(BERT, representative_dataset=[[data["input_ids"][0]]])
    floats = {k: v.astype(np.float32) for k, v in data.items()}
    with pytest.raises(tqopt.TqoptError, match=r"holds float32 values but input '\w+' takes int32"):
        tqopt.quantize(BERT, representative_dataset=floats)
    with pytest.raises(tqopt.TqoptError, match=r"array 'tokens' matches no input of the model"):
        tqopt.quantize(BERT, representative_dataset=[{"tokens": data["input_ids"][0]}])
    with pytest.raises(tqopt.TqoptError, match=r"holds a non-finite value"):
        tqopt.quantize(AUDIO, representative_dataset=[np.full((1024, 1), np.nan, np.float32)])
    with pytest.raises(tqopt.TqoptError, match=r"cannot open '.*missing.tflite'"):
        tqopt.quantize(str(tmp_path / "missing.tflite"), representative_dataset=data)
    with pytest.raises(tqopt.TqoptError, match=r"statistics were made from another model"):
        tqopt.quantize(AUDIO, statistics=tqopt.calibrate(BERT, data))
    with pytest.raises(tqopt.TqoptError, match=r"cannot merge minmax statistics with mse"):
        s = tqopt.calibrate(AUDIO, calib("conv1d_audio")["waveform"][:2])
        s.merge(tqopt.calibrate(AUDIO, calib("conv1d_audio")["waveform"][:2], method="mse"))
    with pytest.raises(tqopt.TqoptError, match=r"has no option 'colour'"):
        tqopt.quantize(BERT, representative_dataset=data, colour="blue")
    with pytest.raises(ValueError, match=r"unknown mode 'int4'"):
        tqopt.quantize(BERT, mode="int4")
    with pytest.raises(ValueError, match=r"needs calibration"):
        tqopt.quantize(BERT, mode="int8")
    (tmp_path / "broken.json").write_text("{\"format\": ")
    with pytest.raises(tqopt.TqoptError, match=r"broken.json: 1:12: expected a value"):
        tqopt.Statistics.load(tmp_path / "broken.json")


def test_weight_modes_mlir_and_pipelines(tmp_path):
    dr = tqopt.quantize(BERT, mode="dynamic-range")
    assert dr.model_bytes() == cli(tmp_path, BERT, "--pass=quantize-dynamic-range")
    f16 = tqopt.quantize(AUDIO, mode="float16")
    assert f16.model_bytes()[4:8] == b"TFL3" and f16.report is not None
    text = tqopt.to_mlir(AUDIO, elide=16)
    assert "func.func" in text and "tfl." in text
    out = tqopt.run_pipeline(text, "builtin.module(canonicalize,dce)")
    assert "func.func" in out
    model = tqopt.run_pipeline(AUDIO, "builtin.module(canonicalize)", emit="tflite")
    assert model[4:8] == b"TFL3"
    with pytest.raises(tqopt.TqoptError, match=r"no pass or pipeline named 'nonsense'|nonsense"):
        tqopt.run_pipeline(AUDIO, "builtin.module(nonsense)")


def test_evaluate_gives_the_eval_report():
    waves = calib("conv1d_audio")["waveform"]
    q = tqopt.quantize(AUDIO, representative_dataset=waves)
    r = tqopt.evaluate(q, AUDIO, waves[:4])
    assert r["samples"] == 4 and r["sqnr_db"] > 10 and len(r["outputs"]) >= 1


def test_the_installed_command_line(tmp_path):
    exe = shutil.which("tqopt", path=str(Path(sys.executable).parent))
    assert exe, "pip install ./python installs the tqopt command"
    r = subprocess.run([exe, "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("tqopt ")
    out = tmp_path / "q.tflite"
    r = subprocess.run([exe, str(BERT), "--pass=quantize-int8",
                        f"--calibration-data={ZOO / 'bert_calib.npz'}", "-o", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    q = tqopt.quantize(BERT, representative_dataset=calib("bert"))
    assert out.read_bytes() == q.model_bytes()
    r = subprocess.run([exe, str(tmp_path / "nothing.tflite")], capture_output=True, text=True)
    assert r.returncode == 1 and "cannot open" in r.stderr
    # In the interpreter a usage error returns its code; it does not end the process.
    assert tqopt._tqopt.cli_main(["--no-such-flag"]) == 2


def test_the_readme_python_example_runs(tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## From Python"):]
    blocks = section.split("```python\n")
    code = blocks[2].split("```")[0]  # the first block is TensorFlow's converter
    assert "tqopt.quantize" in code
    monkeypatch.chdir(tmp_path)
    exec(compile(code.replace("tests/models/zoo/", f"{ZOO}/"), "README.md", "exec"), {})
    assert (tmp_path / "conv1d_audio_int8.tflite").read_bytes()[4:8] == b"TFL3"


def test_paths_are_read_as_the_command_line_reads_them(tmp_path, bert_cli):
    npz = ZOO / "bert_calib.npz"
    assert tqopt.quantize(BERT, representative_dataset=npz).model_bytes() == bert_cli
    assert tqopt.calibrate(BERT, str(npz)) == tqopt.calibrate(BERT, calib("bert"))


def test_progress_goes_to_a_callback():
    seen = []
    waves = calib("conv1d_audio")["waveform"]
    tqopt.calibrate(AUDIO, waves, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(i, 16) for i in range(1, 17)]
    seen.clear()
    tqopt.quantize(AUDIO, representative_dataset=waves[:3], progress=lambda d, t: seen.append(d))
    assert seen == [1, 2, 3]
