"""How a data file or folder is found, opened and read, in one module of the standard library and
NumPy: which format a path holds (``data_kind``), gzip detected by its magic bytes and inflated in
a stream that stops at a limit, the IDX and CIFAR readers with their checks, the class folders of
images, and the sentence of every refusal. The exported ``train.py`` holds a copy of this module
between ``# >>> formats.py`` and ``# <<< formats.py`` (after its copy of rules.py), which
tests/test_export_torchrun_rules.py keeps equal, so that train.py refuses every IDX file, CIFAR
batch and image folder ``nn-designer train`` refuses, with the same sentence.

Every refusal raises rules.DataRefused (our readers turn it into a DataError, train.py into its
exit status 2)."""
import contextlib
import gzip
import os
import re
import stat
import struct
import math
import zipfile
import zlib

from .rules import DataRefused
import numpy as np

GZIP_MAGIC = b"\x1f\x8b"
CHUNK = 1 << 20
# What parsing a damaged file with a library (zipfile, numpy's .npy header, tarfile) may raise.
PARSE_ERRORS = (ValueError, OSError, EOFError, zlib.error, KeyError, IndexError, NotImplementedError,
                struct.error, UnicodeDecodeError, SyntaxError, TypeError, OverflowError, MemoryError)
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm",
                  ".ppm", ".pbm", ".pnm"}
CSV_SUFFIXES = (".csv", ".csv.gz", ".tra", ".tes", ".data", ".txt", ".txt.gz")
# The most text a CSV file may inflate to: parsing takes about 16 times the text in memory, and
# a CSV larger than this would take minutes to parse (a gzip bomb is stopped here, in seconds).
MAX_CSV_BYTES = 256 << 20


# --------------------------------------------------------------------------- files
def brief(e):
    """A library's error as a short phrase for a one-line message: 'TypeName: first line'."""
    text = (str(e).strip().splitlines() or [""])[0].strip()
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def bytes_text(n):
    """Bytes in the largest unit that keeps the number at least 1 (model.words.human_bytes)."""
    for unit, size in (("TB", 1 << 40), ("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} B"


def available_memory():
    """Bytes of memory available to a new allocation (MemAvailable), or None when it cannot be told."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def memory_limit(share=1.0):
    """``share`` of the memory available now, the most a reader may inflate a file into."""
    have = available_memory()
    return None if have is None else int(have * share)


def check_fits(path, n, what, share=1.0):
    """Refuse, before reading, ``n`` bytes that a file's header announces and memory cannot hold."""
    limit = memory_limit(share)
    if limit is not None and n > limit:
        raise DataRefused(f"{path} announces {bytes_text(n)} of {what}, more than reading them can take of the "
                          f"{bytes_text(available_memory() or 0)} of memory this machine has available; it is not read")


def _kind(mode):
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def regular(path):
    """Refuse a FIFO, a device or a socket before it is opened (a FIFO blocks, /dev/zero never ends)."""
    try:
        st = os.stat(path)
    except OSError:
        return
    if not stat.S_ISDIR(st.st_mode) and not stat.S_ISREG(st.st_mode):
        raise DataRefused(f"{path}: is {_kind(st.st_mode)}, not a data file; give a regular file")


@contextlib.contextmanager
def guarded(path):
    """Turn the errors of reading ``path`` (missing, unreadable, damaged gzip) into one sentence."""
    try:
        yield
    except DataRefused:
        raise
    except (EOFError, zlib.error, gzip.BadGzipFile) as e:
        raise DataRefused(f"{path} is a damaged or truncated gzip file ({brief(e)})") from None
    except IsADirectoryError:
        raise DataRefused(f"{path} is a folder, not a file") from None
    except OSError as e:
        raise DataRefused(f"{path} cannot be read ({e.strerror or brief(e)})") from None


def is_gzip(path):
    regular(path)
    with guarded(path), open(path, "rb") as f:
        return f.read(2) == GZIP_MAGIC


def open_binary(path):
    """The file's bytes, decompressed when it is gzipped (whatever its name)."""
    regular(path)
    return gzip.open(path, "rb") if is_gzip(path) else open(path, "rb")


def read_exact(f, n, path, what, progress=None, done=0, total=0):
    """Read exactly ``n`` bytes of ``what`` or refuse the file as truncated; ``progress`` gets
    (done + bytes read) / total after every chunk."""
    parts, got = [], 0
    while got < n:
        part = f.read(min(CHUNK, n - got))
        if not part:
            break
        parts.append(part)
        got += len(part)
        if progress is not None and total:
            progress(min(1.0, (done + got) / total))
    if got < n:
        raise DataRefused(f"{path} is truncated: it ends after {got} of the {n} bytes of {what}")
    return b"".join(parts)


def read_all(path, progress=None, limit=None, what="text"):
    """The whole (decompressed) content of a file, with progress by compressed position. A file
    that inflates past ``limit`` bytes (a gzip bomb: a few kB that expand to gigabytes) is refused
    as soon as it does, in a stream, before the rest is decompressed."""
    regular(path)
    with guarded(path):
        size = max(1, os.stat(path).st_size)
        with open(path, "rb") as raw:
            gz = raw.read(2) == GZIP_MAGIC
            raw.seek(0)
            f = gzip.GzipFile(fileobj=raw, mode="rb") if gz else raw
            parts, got = [], 0
            while True:
                part = f.read(CHUNK)
                if not part:
                    break
                parts.append(part)
                got += len(part)
                if limit is not None and got > limit:
                    raise DataRefused(f"{path} {'inflates' if gz else 'grows'} to more than {bytes_text(limit)} "
                                      f"of {what}, more than a data file may hold here (and than its memory can "
                                      "take to read it); it is not read")
                if progress is not None:
                    progress(min(1.0, raw.tell() / size))
            return b"".join(parts)


def csv_limit():
    """The bytes of text a CSV file may hold: MAX_CSV_BYTES, or less when memory is short."""
    return min(memory_limit(1 / 16) or MAX_CSV_BYTES, MAX_CSV_BYTES)


# --------------------------------------------------------------------------- NPZ headers
# model/npz_headers.py's check_npz for data files, copied here for train.py alone, which has no
# designer package (an archive whose header declares 7 TB ended train.py in a MemoryError, one
# that is not a zip in a BadZipFile); nn-designer's own reader calls check_npz. A test keeps the
# sentences equal to check_npz's.
def _npy_header(f):
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(f)
    return np.lib.format.read_array_header_2_0(f, max_header_size=100_000)


def npz_declared(path):
    """name -> (shape, dtype, bytes it declares, bytes the archive holds for it), from the headers."""
    out = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                continue
            with archive.open(info) as f:
                shape, _, dtype = _npy_header(f)
                header = f.tell()
            values = math.prod(int(d) for d in shape)
            out[info.filename[:-4]] = (tuple(shape), dtype, values * dtype.itemsize, info.file_size - header)
    return out


def _plain_reason(e):
    text = " ".join(str(e).split())
    if "malformed node" in text or re.search(r"<[\w.]+ object at 0x[0-9a-f]+>", text):
        return "an array's header is not a plain description of its shape and type"
    return text[:200]


def _is_text(head):
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in head


def check_npz_data(path, what=".npz data file"):
    """Refuse an .npz archive that cannot be read as its headers claim, before any array is."""
    unreadable = f"{path}: is not a readable {what}"
    try:
        with open(path, "rb") as f:
            magic = f.read(6)
    except FileNotFoundError:
        raise DataRefused(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DataRefused(f"{path}: is a folder, not a file") from None
    except PermissionError:
        raise DataRefused(f"{path}: cannot be read (permission denied)") from None
    except OSError as e:
        raise DataRefused(f"{path}: cannot be read ({e.strerror or e})") from None
    if magic == b"\x93NUMPY":
        raise DataRefused(f"{unreadable} (it holds a single .npy array, not an .npz archive of arrays)")
    if not magic.startswith(b"PK"):
        kind = "an empty file" if not magic else ("a text file" if _is_text(magic) else "another kind of file")
        raise DataRefused(f"{unreadable} (it is {kind}, not a zip archive of .npy arrays)")
    try:
        arrays = npz_declared(path)
    except (ValueError, OSError, EOFError, zlib.error, zipfile.BadZipFile, zipfile.LargeZipFile) as e:
        raise DataRefused(f"{unreadable} (damaged or truncated: {_plain_reason(e)})") from None
    total = 0
    for name, (shape, dtype, declared, held) in arrays.items():
        if dtype.hasobject:
            raise DataRefused(f"{unreadable} (its array '{name}' holds Python objects, which are never unpickled)")
        if declared > held:
            raise DataRefused(f"{unreadable} (damaged or truncated: its array '{name}' of shape {shape} declares "
                              f"{bytes_text(declared)} but holds {bytes_text(max(0, held))})")
        total += declared
    have = available_memory()
    if have is not None and total > have:
        name, (shape, dtype, declared, _) = max(arrays.items(), key=lambda item: item[1][2])
        raise DataRefused(f"{path}: its arrays would need {bytes_text(total)} of memory (the array '{name}' alone "
                          f"declares shape {shape} of {dtype}, {bytes_text(declared)}), but this machine has "
                          f"{bytes_text(have)} available; it is not read")
    return arrays


# --------------------------------------------------------------------------- IDX
IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot"]


def idx_role(name):
    low = name.lower()
    return "images" if "idx3" in low else "labels" if "idx1" in low else None


def _pair_key(name):
    low = name.lower()
    return re.sub(r"images|labels|idx3|idx1", "", low[:-3] if low.endswith(".gz") else low)


def is_idx_file(path):
    return path.is_file() and idx_role(path.name) is not None


def idx_pair(folder):
    """(images file, labels file) in ``folder``: the training pair if there is one, else the test pair."""
    groups = {}
    for p in sorted(folder.iterdir()):
        role = idx_role(p.name)
        if role and p.is_file():
            groups.setdefault(_pair_key(p.name), {}).setdefault(role, p)
    if not groups:
        raise DataRefused(f"the folder {folder} holds no IDX files")
    complete = {k: g for k, g in groups.items() if "images" in g and "labels" in g}
    if not complete:
        g = next(iter(groups.values()))
        have = next(iter(g.values()))
        want = "labels (…-labels-idx1-ubyte)" if "images" in g else "images (…-images-idx3-ubyte)"
        raise DataRefused(f"the folder {folder} has {have.name} but no matching file of {want}")
    train = [k for k in complete if "train" in k]
    key = train[0] if train else sorted(complete)[0]
    return complete[key]["images"], complete[key]["labels"]


def idx_partner(path):
    """(images, labels) for one IDX file given by path: its partner is found beside it."""
    role, key = idx_role(path.name), _pair_key(path.name)
    other = "labels" if role == "images" else "images"
    for p in sorted(path.parent.iterdir()):
        if p.is_file() and idx_role(p.name) == other and _pair_key(p.name) == key:
            return (path, p) if role == "images" else (p, path)
    raise DataRefused(f"{path} has no matching {other} file beside it")


def idx_array(path, magic, what, progress=None):
    """The array in one IDX file of unsigned bytes whose magic number must be ``magic``."""
    ndim = magic & 0xFF
    with guarded(path), open_binary(path) as f:
        found = struct.unpack(">I", read_exact(f, 4, path, "the header"))[0]
        if found != magic:
            raise DataRefused(f"{path} has the magic number {found}, not {magic} as an IDX file of "
                              f"{what} must (is it damaged, or the wrong file?)")
        dims = struct.unpack(f">{ndim}I", read_exact(f, 4 * ndim, path, "the header"))
        if dims[0] == 0:
            raise DataRefused(f"{path} holds no {what}")
        if any(d == 0 for d in dims[1:]):
            raise DataRefused(f"{path} declares {what} of size {'×'.join(map(str, dims[1:]))}")
        n = int(np.prod(dims, dtype=object))
        check_fits(path, n, what, 1 / 6)  # and 4 bytes a value once they are floats
        data = read_exact(f, n, path, f"{what} data", progress, 0, n)
        if f.read(1):
            raise DataRefused(f"{path} has more bytes than the {n} of {what} its header announces")
    return np.frombuffer(data, dtype=np.uint8).reshape(dims)


def _part(progress, lo, hi):
    return None if progress is None else (lambda frac: progress(lo + (hi - lo) * frac))


def idx_data(images_path, labels_path, progress=None):
    """(x (N, 1, H, W) float32 in [0, 1], y int64, class names) of an IDX pair."""
    images = idx_array(images_path, IMAGES_MAGIC, "images", _part(progress, 0.0, 0.98))
    labels = idx_array(labels_path, LABELS_MAGIC, "labels", _part(progress, 0.98, 1.0))
    if len(labels) != len(images):
        raise DataRefused(f"{labels_path} holds {len(labels)} labels but {images_path} holds "
                          f"{len(images)} images")
    x = images[:, None, :, :].astype(np.float32)
    x /= np.float32(255.0)
    y = labels.astype(np.int64)
    top = int(y.max()) + 1
    fashion = "fashion" in str(images_path.parent).lower() and top <= 10
    return x, y, FASHION_CLASSES[:] if fashion else [str(i) for i in range(top)]


# --------------------------------------------------------------------------- CIFAR
_BATCH = re.compile(r"^data_batch_(\d+)$")


def cifar_choose(names):
    """(batch names to read in order, meta name or None, labels key, label-names key) or None."""
    names = set(names)
    train = sorted((n for n in names if _BATCH.match(n)), key=lambda n: int(_BATCH.match(n).group(1)))
    if train or "test_batch" in names:
        meta = "batches.meta" if "batches.meta" in names else None
        return (train or ["test_batch"]), meta, "labels", "label_names"
    if "meta" in names and ("train" in names or "test" in names):
        return (["train"] if "train" in names else ["test"]), "meta", "fine_labels", "fine_label_names"
    return None


def is_cifar_folder(folder):
    return cifar_choose(p.name for p in folder.iterdir() if p.is_file()) is not None


def is_cifar_archive(path):
    return path.name.lower().endswith((".tar.gz", ".tgz", ".tar"))



# --------------------------------------------------------------------------- class folders of images
def images_in(folder):
    found = []
    for p in sorted(folder.rglob("*")):
        if any(part.startswith(".") for part in p.relative_to(folder).parts):
            continue
        if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES:
            found.append(p)
    return found


def class_folders(root):
    return sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)


def looks_like_image_folder(root):
    return any(images_in(d) for d in class_folders(root))


def image_files(root):
    """(image paths, their class numbers, class names) of a folder of class sub-folders."""
    folders = class_folders(root)
    if not folders:
        raise DataRefused(f"the folder {root} has no class sub-folders of images")
    files, labels = [], []
    for c, folder in enumerate(folders):
        found = images_in(folder)
        if not found:
            raise DataRefused(f"the class folder {folder} holds no images")
        files += found
        labels += [c] * len(found)
    return files, labels, [f.name for f in folders]


def unreadable_image(path, e):
    return DataRefused(f"{path} is not a readable image ({brief(e)})")


# --------------------------------------------------------------------------- which format
def _holds_idx(path):
    return any(is_idx_file(p) for p in path.iterdir())


def _looks_like_text(path):
    regular(path)
    with open(path, "rb") as f:
        head = f.read(4096)
    if head[:2] == GZIP_MAGIC:
        return True  # compressed: let the CSV reader decide
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 3:  # not just a character cut at the end of the sample
            return False
    return b"\x00" not in head


def data_kind(path, nested=False):
    """What an existing file or folder holds, as (format, paths...): ("idx", images, labels),
    ("cifar", folder), ("cifar-archive", file), ("images", folder), ("npz", file), ("csv", file)."""
    with guarded(path):
        if path.is_dir():
            if _holds_idx(path):
                return ("idx", *idx_pair(path))
            if is_cifar_folder(path):
                return "cifar", path  # read by cifar_batches.py
            if looks_like_image_folder(path):
                return "images", path
            if not nested:
                inner = [d for d in class_folders(path) if _holds_idx(d) or is_cifar_folder(d)]
                if len(inner) == 1:  # torchvision's MNIST/raw, the unpacked cifar-10-batches-py
                    return data_kind(inner[0], nested=True)
            raise DataRefused(f"the folder {path} holds no data that can be read: no MNIST-format IDX files, "
                              f"no CIFAR batches and no class sub-folders of images")
        regular(path)  # a FIFO or /dev/zero as --data: refused before any reader opens it
        low = path.name.lower()
        if low.endswith(".npz"):
            return "npz", path
        if is_cifar_archive(path):
            return "cifar-archive", path
        if is_idx_file(path):
            return ("idx", *idx_partner(path))
        if low.endswith(CSV_SUFFIXES) or _looks_like_text(path):
            return "csv", path
        raise DataRefused(f"{path} is not a data file that can be read: use a folder of IDX files, CIFAR "
                          f"batches or class sub-folders of images, an .npz file or a .csv file")
