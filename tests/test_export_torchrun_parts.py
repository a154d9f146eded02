"""The pieces of the torchrun training folder's train.py (designer/export/torchrun_train.py, copied
as it is) against the engine they reproduce: data readers, validation split, initialisations,
SGD in the course's form, schedules; and the folder the export writes (imports, py_compile,
refusing to replace a user's files). The distributed runs themselves: test_export_torchrun_runs.py."""
from __future__ import annotations

import ast
import json
import py_compile
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from cli_support import one_line_error, run  # noqa: E402
from designer.engine.data import load_data, split  # noqa: E402
from designer.engine.net import EngineNet  # noqa: E402
from designer.engine.optim import SGD  # noqa: E402
from designer.engine.schedules import schedule_from_spec  # noqa: E402
from designer.export import torchrun_train as T  # noqa: E402
from designer.export.torchrun import TRAIN_SOURCE  # noqa: E402
from designer.model import load_model  # noqa: E402
from data_support import write_cifar, write_idx_pair  # noqa: E402

ALLOWED = {"torch", "numpy", "PIL", "model"}


def imported_modules(path) -> set:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add((node.module or "").split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module":
            names.add(node.args[0].value.split(".")[0])
    return names


@pytest.fixture(scope="module")
def lenet_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "lenet5-torchrun"
    from designer.cli import main
    assert main(["export", "lenet5", "--to", "torchrun", "-o", str(out)]) == 0
    return out


def test_the_folder_compiles_and_imports_only_torch_numpy_and_pillow(lenet_folder):
    assert sorted(p.name for p in lenet_folder.iterdir()) == ["README.md", "model.py", "train.py"]
    assert (lenet_folder / "train.py").read_text() == TRAIN_SOURCE.read_text()
    for name in ("model.py", "train.py"):
        py_compile.compile(str(lenet_folder / name), doraise=True)
        found = imported_modules(lenet_folder / name)
        ours = {m for m in found if m not in ALLOWED and m not in sys.stdlib_module_names}
        assert not ours, f"{name} imports {ours}"
        assert "designer" not in found
    readme = (lenet_folder / "README.md").read_text()
    for command in ("python train.py --data DATA", "torchrun --standalone --nproc_per_node=4",
                    "torchrun --nnodes=2", "#SBATCH", "srun torchrun", "nn-designer bench",
                    "nn-designer predict"):
        assert command in readme, command


def test_the_training_loop_fits_one_screen():
    tree = ast.parse(TRAIN_SOURCE.read_text(encoding="utf-8"))
    train = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "train")
    loop = next(n for n in ast.walk(train) if isinstance(n, ast.While))
    assert loop.end_lineno - loop.lineno + 1 <= 50


def test_a_folder_with_other_files_is_refused_and_an_earlier_export_rewritten(tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "model.py").write_text("# my own model\n")
    line = one_line_error(capsys, "export", "lenet5", "--to", "torchrun", "-o", mine)
    assert "already holds model.py" in line and (mine / "model.py").read_text() == "# my own model\n"
    assert "is a folder" in one_line_error(capsys, "export", "lenet5", "--to", "pytorch", "-o", mine)
    lenet_folder = tmp_path / "earlier"
    assert run(capsys, "export", "lenet5", "--to", "torchrun", "-o", lenet_folder)[0] == 0
    code, out, _ = run(capsys, "export", "mlp-example", "--to", "torchrun", "-o", lenet_folder)
    assert code == 0 and "weights.npz" in out
    namespace = {"__name__": "exported", "__file__": str(lenet_folder / "model.py")}
    exec((lenet_folder / "model.py").read_text(), namespace)  # the template's shipped weights, beside it
    assert namespace["WEIGHTS"] == str(lenet_folder / "weights.npz") and namespace["INPUT_SHAPE"] == (3,)
    model = namespace["build"]().double()
    with torch.no_grad():
        got = model(torch.tensor([[10.0, 30.0, 20.0]], dtype=torch.float64)).numpy()
    np.testing.assert_allclose(got[0], [0.7502, 0.9571], atol=5e-5)  # the course's worked example


def test_readers_give_the_engines_arrays(tmp_path):
    rng = np.random.default_rng(0)
    write_idx_pair(tmp_path / "idx", rng.integers(0, 256, (12, 7, 5)), rng.integers(0, 3, 12))
    write_idx_pair(tmp_path / "idx", rng.integers(0, 256, (4, 7, 5)), rng.integers(0, 3, 4), prefix="t10k")
    write_cifar(tmp_path / "cifar", batches=2, n=6)
    np.savez(tmp_path / "images.npz", x=rng.integers(0, 256, (9, 6, 4), dtype=np.uint8), y=rng.integers(0, 4, 9))
    np.savez(tmp_path / "targets.npz", x=rng.normal(size=(5, 3)), y=rng.normal(size=(5, 2)))
    (tmp_path / "iris.csv").write_text("a;b;name\n1.5;2;setosa\n\n3;4e-1;virginica\n-1;.5;setosa\n")
    (tmp_path / "plain.csv").write_text("0.25,1,2\n3,4,0\n")
    for name in ("idx", "idx/t10k-images-idx3-ubyte.gz", "cifar", "images.npz", "targets.npz", "iris.csv",
                 "plain.csv"):
        want = load_data(tmp_path / name)
        x, y = T.read_data(tmp_path / name)[:2]  # CSV and NPZ also give their classes and layout
        assert x.dtype == want.x.dtype and np.array_equal(x, want.x), name
        assert y.dtype == want.y.dtype and np.array_equal(y, want.y), name


def test_an_image_folder_reads_as_the_engine_reads_it(tmp_path):
    from PIL import Image
    rng = np.random.default_rng(1)
    for c, name in enumerate(["cat", "dog"]):
        (tmp_path / name / "deep").mkdir(parents=True)
        for i in range(3):
            pixels = rng.integers(0, 256, (6, 5, 3), dtype=np.uint8)
            image = Image.fromarray(pixels[:, :, 0]) if i == 1 else Image.fromarray(pixels)  # gray and colour
            image.save(tmp_path / name / ("deep" if i == 2 else "") / f"{i}.png")
    (tmp_path / "dog" / "notes.txt").write_text("not an image")
    want = load_data(tmp_path)
    folder = T.read_data(tmp_path)
    folder.shape = want.sample_shape
    got = np.stack([folder.image(i) for i in range(len(folder.files))])
    assert np.array_equal(got, want.x) and np.array_equal(folder.y, want.y)
    folder.shape = (3, 4, 4)  # another size: resized and cropped to it, at random with --augment
    centre = folder.image(0)
    assert centre.shape == (3, 4, 4)
    crops = {folder.image(0, (0, True, 0), np.random.default_rng(s)).tobytes() for s in range(8)}
    assert len(crops) > 1


@pytest.mark.parametrize("val_split", [0.0, 0.2, 0.37])
@pytest.mark.parametrize("seed", [0, 5])
def test_the_validation_split_is_the_engines(val_split, seed):
    from designer.engine.data import Dataset
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, 53)
    for y in (labels, rng.normal(size=(53, 2))):
        data = Dataset("d", np.arange(53, dtype=np.float32)[:, None], y, None, "test")
        train, val = split(data, val_split, seed)
        got_train, got_val = T.split(y if y.ndim == 1 else None, 53, val_split, seed)
        assert np.array_equal(train.x[:, 0], got_train) and np.array_equal(val.x[:, 0], got_val)


@pytest.mark.parametrize("how", ["default", "he", "xavier"])
def test_initialisations_are_the_engines(how):
    network = load_model("lenet5")
    module = load_module_source(network)
    net = module["Net"]().double()
    T.initialise(net, module["LAYERS"], how, seed=4)
    engine = EngineNet(network, dtype=np.float64, seed=4, init=how).state_dict()
    for index, name in module["LAYERS"].items():
        for array in ("weight", "bias"):
            got = getattr(getattr(net, name), array).detach().numpy()
            assert np.array_equal(got, engine[f"{index}.{array}"]), (name, array)


def load_module_source(network) -> dict:
    from designer.export.pytorch import pytorch_source
    namespace = {"__name__": "exported"}
    exec(compile(pytorch_source(network), "exported", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sgd_is_the_engines_to_the_last_bit_and_refuses_a_step_to_infinity(dtype):
    rng = np.random.default_rng(2)
    w0 = {"a": rng.normal(size=(3, 4)).astype(dtype), "b": rng.normal(size=5).astype(dtype)}
    engine = {k: v.copy() for k, v in w0.items()}
    opt = SGD(engine, lr=0.1, momentum=0.9, weight_decay=0.01)
    params = [torch.tensor(v, requires_grad=True) for v in w0.values()]
    velocity = [torch.zeros_like(p) for p in params]
    for step, lr in enumerate([0.1, 0.1, 0.01, 0.01, 0.5, 0.5]):  # the rate changes: the course's form
        grads = {k: rng.normal(size=v.shape).astype(dtype) for k, v in w0.items()}
        if step == 5:
            grads["b"][2] = np.inf
        opt.lr = lr
        for p, g in zip(params, grads.values()):
            p.grad = torch.from_numpy(g)
        before = [p.detach().clone() for p in params]
        assert T.sgd_step(params, velocity, lr, 0.9, 0.01) is opt.step(grads) is (step < 5)
        for p, key in zip(params, w0):
            assert np.array_equal(p.detach().numpy(), engine[key]), (step, key)
    assert all(torch.equal(p, q) for p, q in zip(params, before))  # the refused step changed nothing


@pytest.mark.parametrize("spec", ["constant", "step:step_size=2,gamma=0.5", "plateau",
                                  "plateau:patience=1,factor=0.5,min_lr=0.02,threshold=0.01"])
def test_schedules_are_the_engines(spec):
    rng = np.random.default_rng(3)
    engine, ours = schedule_from_spec(spec, 0.1), T.Schedule(spec, 0.1)
    for epoch, acc in enumerate(np.round(rng.uniform(0.5, 0.6, 20), 2), start=1):
        assert ours.epoch_end(epoch, float(acc)) == engine.epoch_end(epoch, float(acc))
    with pytest.raises(T.Bad, match="no option"):
        T.Schedule("plateau:gamma=2", 0.1)


def test_augmentation_moves_and_flips_within_its_reach():
    a = np.arange(2 * 5 * 6, dtype=np.float32).reshape(2, 5, 6)
    assert T.parse_augment("none") is None and T.parse_augment("crop=2,flip") == (2, True, 0)
    with pytest.raises(T.Bad, match="unknown augmentation"):
        T.parse_augment("rotate=3")
    flipped = T.shifted(a, (0, True, 0), np.random.default_rng(0))
    assert np.array_equal(flipped, a) or np.array_equal(flipped, a[:, :, ::-1])
    for seed in range(10):
        moved = T.shifted(a, (1, False, 1), np.random.default_rng(seed))
        offsets = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)
                   if np.array_equal(moved, _translate(a, dy, dx))]
        assert offsets, seed


def _translate(a, dy, dx):
    out = np.zeros_like(a)
    h, w = a.shape[1:]
    out[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = a[:, max(-dy, 0):h - max(dy, 0),
                                                                     max(-dx, 0):w - max(dx, 0)]
    return out


def test_options_have_the_train_commands_names_and_defaults():
    args = T.options(["--data", "d"])
    assert (args.epochs, args.batch_size, args.lr, args.momentum, args.weight_decay, args.loss,
            args.val_split, args.seed, args.schedule, args.init, args.dtype) == \
        (None, 64, 0.01, 0.9, 0.0, "cross_entropy", 0.2, 0, "constant", "default", "float32")
    assert json.loads(json.dumps(vars(args)))  # the checkpoint keeps them as plain values
