"""The HDR to SDR table: the transfer functions against their standards' reference points, the curves' shape,
and the .cube file lut3d reads."""

import numpy as np
import pytest

from workers.media import tonemap


def test_pq_decodes_to_the_standards_luminance():
    assert tonemap.pq_to_nits(np.array([0.0, 0.508, 0.7518, 1.0])) == pytest.approx([0, 100, 1000, 10000], rel=0.01)


def test_hlg_reference_white_is_203_nits_on_a_1000_nit_display():
    grey = np.array([[0.75, 0.75, 0.75], [1.0, 1.0, 1.0]])
    assert tonemap.hlg_to_nits(grey)[:, 0] == pytest.approx([203, 1000], rel=0.01)


@pytest.mark.parametrize("transfer", ["PQ", "HLG"])
@pytest.mark.parametrize("algorithm", ["hable", "mobius", "reinhard"])
def test_a_grey_ramp_stays_grey_rises_and_reaches_white(transfer, algorithm):
    ramp = np.linspace(0, 1, 33)
    out = tonemap.hdr_to_sdr(np.stack([ramp, ramp, ramp], axis=-1), transfer=transfer, algorithm=algorithm)
    assert np.allclose(out[:, 0], out[:, 1]) and np.allclose(out[:, 1], out[:, 2])
    assert np.all(np.diff(out[:, 0]) >= -1e-9)
    assert out[0, 0] == 0 and out[-1, 0] == pytest.approx(1)


def test_saturated_bt2020_colours_are_brought_into_bt709_without_negative_values():
    green = tonemap.hdr_to_sdr(np.array([[0.0, 0.6, 0.0]]), transfer="PQ", algorithm="hable")
    assert np.all(green >= 0) and np.all(green <= 1)
    assert green[0, 1] > green[0, 0] and green[0, 1] > green[0, 2]


def test_the_cube_file_is_written_once_and_has_every_entry(tmp_path):
    folder = tmp_path / "tables"
    path = tonemap.cube_file(transfer="HLG", algorithm="mobius", folder=folder)
    lines = path.read_text().splitlines()
    assert lines[1] == f"LUT_3D_SIZE {tonemap.LUT_SIZE}"
    assert len(lines) == 2 + tonemap.LUT_SIZE**3
    assert lines[2] == "0.000000 0.000000 0.000000"
    written = path.stat().st_mtime_ns
    assert tonemap.cube_file(transfer="HLG", algorithm="mobius", folder=folder) == path
    assert path.stat().st_mtime_ns == written
    assert [p.name for p in folder.iterdir()] == [path.name]
