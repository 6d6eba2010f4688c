"""The MTCNN nets: our layer names load the published weights strictly, and they work."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ml.archs.mtcnn import ONet, PNet, RNet, default_weights_dir, load_mtcnn_net


@pytest.mark.parametrize("name, cls", [("pnet", PNet), ("rnet", RNet), ("onet", ONet)])
def test_weights_load_strictly(name, cls):
    state = torch.load(default_weights_dir() / f"{name}.pt", map_location="cpu",
                       weights_only=True)
    net = cls()
    assert set(state) == set(net.state_dict())
    for key, value in net.state_dict().items():
        assert state[key].shape == value.shape, key
    loaded = load_mtcnn_net(name)
    assert not loaded.training
    for key, value in loaded.state_dict().items():
        assert torch.equal(value, state[key])


def test_strict_load_refuses_a_state_dict_with_a_missing_layer(tmp_path):
    state = torch.load(default_weights_dir() / "pnet.pt", weights_only=True)
    del state["conv4_2.weight"]
    torch.save(state, tmp_path / "pnet.pt")
    with pytest.raises(RuntimeError, match="conv4_2.weight"):
        load_mtcnn_net("pnet", tmp_path)


def test_unknown_net_name():
    with pytest.raises(ValueError, match="unknown MTCNN net"):
        load_mtcnn_net("qnet")


def test_output_shapes():
    with torch.inference_mode():
        reg, prob = load_mtcnn_net("pnet")(torch.zeros(1, 3, 30, 40))
        assert reg.shape == (1, 4, 10, 15) and prob.shape == (1, 10, 15)
        reg, prob = load_mtcnn_net("rnet")(torch.zeros(2, 3, 24, 24))
        assert reg.shape == (2, 4) and prob.shape == (2,)
        reg, marks, prob = load_mtcnn_net("onet")(torch.zeros(2, 3, 48, 48))
        assert reg.shape == (2, 4) and marks.shape == (2, 10) and prob.shape == (2,)


def _net_input(crop: np.ndarray) -> torch.Tensor:
    x = (crop.astype(np.float32) - 127.5) / 128
    return torch.from_numpy(x.transpose(2, 0, 1)[None].copy())


def test_onet_scores_a_real_face_high_and_a_blank_crop_low(astronaut, astronaut_face):
    from ml.face.detect import crop_square

    onet = load_mtcnn_net("onet")
    face = crop_square(astronaut, astronaut_face.box, 48)
    blank = np.full((48, 48, 3), 128, np.uint8)
    sky = crop_square(astronaut, (400, 10, 490, 100), 48)  # background, no face
    with torch.inference_mode():
        scores = [float(onet(_net_input(c))[2]) for c in (face, blank, sky)]
    assert scores[0] > 0.95
    assert scores[1] < 0.5 and scores[2] < 0.5
