"""CSV data files: the real UCI digits files, headers, blank lines, separators, class names, and
bad rows that must be named by line."""
from __future__ import annotations

import gzip

import numpy as np
import pytest

from designer.engine.data import DataError, load_data


def test_real_digits_csv_gz(digits_dir):
    d = load_data(str(digits_dir / "digits.csv.gz"))
    assert d.name == "digits" and len(d) == 1797
    assert d.x.shape == (1797, 64) and d.x.dtype == np.float32 and d.volume == (64,)
    assert d.x.min() == 0 and d.x.max() == 16  # counts used as given, not rescaled
    assert d.y.dtype == np.int64 and d.num_classes == 10
    assert np.bincount(d.y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_uci_files_with_their_own_extensions(digits_dir):
    tes = load_data(str(digits_dir / "uci" / "optdigits.tes"))  # ends with a blank line
    ref = load_data(str(digits_dir / "digits.csv.gz"))
    assert np.array_equal(tes.x, ref.x) and np.array_equal(tes.y, ref.y)
    tra = load_data(str(digits_dir / "uci" / "optdigits.tra"))
    assert tra.x.shape == (3823, 64)


def _csv(tmp_path, text, name="t.csv"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_header_blank_lines_and_crlf(tmp_path):
    d = load_data(_csv(tmp_path, "a,b,label\r\n\r\n1,2.5,0\r\n  \r\n-3,4e2,1\r\n\r\n"))
    assert d.x.tolist() == [[1.0, 2.5], [-3.0, 400.0]] and d.y.tolist() == [0, 1]
    assert d.classes is None


def test_no_header_and_quoted_cells(tmp_path):
    d = load_data(_csv(tmp_path, '"1","2","1"\n"3","4","0"\n'))
    assert d.x.tolist() == [[1, 2], [3, 4]] and d.y.tolist() == [1, 0]


@pytest.mark.parametrize("sep", [";", "\t", " ", "  "])
def test_other_separators(tmp_path, sep):
    d = load_data(_csv(tmp_path, f"1{sep}2{sep}0\n3{sep}4{sep}1\n", "t.txt"))
    assert d.x.tolist() == [[1, 2], [3, 4]]


def test_class_names_in_the_last_column(tmp_path):
    text = "sepal,petal,species\n5.1,1.4,setosa\n7.0,4.7,versicolor\n4.9,1.4,setosa\n"
    d = load_data(_csv(tmp_path, text))
    assert d.classes == ["setosa", "versicolor"] and d.y.tolist() == [0, 1, 0]
    d = load_data(_csv(tmp_path, "5.1,1.4,setosa\n7.0,4.7,versicolor\n", "noheader.csv"))
    assert d.classes == ["setosa", "versicolor"] and len(d) == 2


def test_gzipped_and_unknown_extension(tmp_path):
    path = tmp_path / "g.csv.gz"
    path.write_bytes(gzip.compress(b"1,2,0\n3,4,1\n"))
    assert len(load_data(str(path))) == 2
    assert len(load_data(_csv(tmp_path, "1,2,0\n", "points.dat"))) == 1


@pytest.mark.parametrize("text, words", [
    ("1,2,0\n3,4,1\n5,x,0\n", "line 3, column 2: 'x' is not a number"),
    ("1,2,0\n\n3,4\n", "line 3 has 2 values where line 1 has 3"),
    ("1,2,0\n3,,1\n", "line 2, column 2: is empty"),
    ("1,2,0\n3,4,one\n", "line 2, column 3: 'one' is not a number"),
    ("1,2,0\n3,nan,1\n", "line 2: the row holds NaN or infinite values"),
    ("1,2,0\n3,1e39,1\n", "line 2: a value is too large for 32-bit floats"),
    ("1,2,0\n3,4,-1\n", "line 2: the label -1 is negative"),
    ("1,2,0\n3,4,0.5\n", "line 2: the label 0.5 is not a whole number"),
    ("a,b,c\n", "holds a header but no data rows"),
    ("\n\n  \n", "holds no data rows"),
    ("1\n2\n", "line 1 has a single value"),
    ("x,y,species\n1,2,cat\n3,4,\n", "line 3: the label (last column) is empty"),
])
def test_bad_rows_are_named_by_line(tmp_path, text, words):
    with pytest.raises(DataError) as e:
        load_data(_csv(tmp_path, text, "bad.csv"))
    assert "bad.csv" in str(e.value) and words in str(e.value), str(e.value)


def test_garbage_cell_in_real_digits(tmp_path, digits_dir):
    lines = (digits_dir / "uci" / "optdigits.tes").read_text().split("\n")
    cells = lines[1200].split(",")
    cells[17] = "1O"  # a letter O typed for a zero
    lines[1200] = ",".join(cells)
    spec = _csv(tmp_path, "\n".join(lines), "optdigits.tes")
    with pytest.raises(DataError, match=r"optdigits.tes line 1201, column 18: '1O' is not a number"):
        load_data(spec)


def test_binary_file_is_not_csv(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"1,2,3\n\x00\x01\x02")
    with pytest.raises(DataError, match="x.csv is not a text file"):
        load_data(str(path))
    path.write_bytes(b"1,2,\xff\xfe\n")
    with pytest.raises(DataError, match="x.csv is not a UTF-8 text file"):
        load_data(str(path))
