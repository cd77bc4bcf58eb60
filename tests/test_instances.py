"""Instance distributions, disjoint seed splits and cached pools."""

from __future__ import annotations

import numpy as np
import pytest

from qlstm_optimizer.instances import (
    SPLITS,
    InstanceDistribution,
    build_pool,
    instance_seed,
    sample_instance,
    split_of_seed,
)

MIX = {
    "components": [
        {"family": "erdos_renyi", "sizes": [5, 6], "edge_probs": [0.3, 0.6], "weight": 2},
        {"family": "weighted_erdos_renyi", "sizes": [5], "edge_probs": [0.5]},
        {"family": "regular", "sizes": [6], "degrees": [3]},
        {"family": "sk", "sizes": [5, 6]},
    ]
}


def test_split_seeds_are_disjoint_and_invertible():
    seeds = {s: {instance_seed(s, i, b) for i in range(2000) for b in (0, 1, 7)} for s in SPLITS}
    assert not seeds["train"] & seeds["val"]
    assert not seeds["train"] & seeds["test"]
    assert not seeds["val"] & seeds["test"]
    # Injective by construction: the inverse recovers (split, index, base seed) everywhere,
    # including the extremes of the index range.
    for split in SPLITS:
        for index in (0, 1, 2**32 - 1):
            for base in (0, 5, 10**6):
                assert split_of_seed(instance_seed(split, index, base)) == (split, index, base)


@pytest.mark.parametrize("bad", [("dev", 0, 0), ("train", -1, 0), ("train", 2**32, 0),
                                 ("val", 0, -1)])
def test_instance_seed_rejects_bad_arguments(bad):
    with pytest.raises(ValueError):
        instance_seed(*bad)


def test_sample_instance_is_deterministic_and_covers_the_mixture():
    dist = InstanceDistribution.from_dict(MIX)
    a = sample_instance(dist, "train", 11)
    b = sample_instance(dist, "train", 11)
    assert a.problem == b.problem and a.family == b.family and a.n == b.n
    fams = {sample_instance(dist, "train", i).family for i in range(60)}
    assert fams == {"erdos_renyi", "weighted_erdos_renyi", "regular", "sk"}
    assert sample_instance(dist, "val", 11).problem != a.problem


def test_distribution_validation_and_round_trip():
    dist = InstanceDistribution.from_dict({**MIX, "scale_range": [0.5, 2.0]})
    assert InstanceDistribution.from_dict(dist.to_dict()) == dist
    with pytest.raises(ValueError, match="unknown instance family"):
        InstanceDistribution.from_dict({"components": [{"family": "vehicle_routing",
                                                        "sizes": [4]}]})
    with pytest.raises(ValueError, match="edge_probs"):
        InstanceDistribution.from_dict({"components": [{"family": "erdos_renyi",
                                                        "sizes": [4]}]})
    with pytest.raises(ValueError, match="unknown component keys"):
        InstanceDistribution.from_dict({"components": [{"family": "sk", "sizes": [4],
                                                        "sise": 3}]})
    with pytest.raises(ValueError, match="scale_range"):
        InstanceDistribution.from_dict({**MIX, "scale_range": [2.0, 1.0]})


def test_scale_augmentation_multiplies_the_hamiltonian(tmp_path):
    base = {"components": [{"family": "erdos_renyi", "sizes": [5], "edge_probs": [0.6]}]}
    plain = build_pool(InstanceDistribution.from_dict(base), "train", 4, 1, cache_dir=tmp_path)
    aug = build_pool(InstanceDistribution.from_dict({**base, "scale_range": [0.25, 4.0]}),
                     "train", 4, 1, cache_dir=tmp_path)
    assert np.all(plain.scales == 1.0) and not np.allclose(aug.scales, 1.0)
    for i in range(4):
        assert np.allclose(aug.diagonal(i), plain.diagonal(i) * aug.scales[i])
        # The optimal energy of c*H is not c * (optimum of H) in general (gamma rescales), but
        # it is still a valid QAOA energy: attained at some angles, below the uniform state.
        assert aug.opt[i] < 0


def test_pool_is_cached_and_consistent(tmp_path):
    dist = InstanceDistribution.from_dict(MIX)
    pool = build_pool(dist, "val", 6, 1, cache_dir=tmp_path)
    files = list((tmp_path / "pools").glob("val-p1-*.npz"))
    assert len(files) == 1
    again = build_pool(dist, "val", 6, 1, cache_dir=tmp_path)  # loaded from the cache
    assert np.array_equal(again.opt, pool.opt) and again.families == pool.families
    for i in range(len(pool)):
        inst = sample_instance(dist, "val", i)
        assert np.allclose(pool.diagonal(i), inst.problem.diagonal() - inst.problem.constant)
        opt = inst.problem.optimal_qaoa_energy(1)
        assert pool.opt[i] == pytest.approx(opt.relative_energy, abs=1e-12)
        # energy() evaluates the pool's diagonal at the optimum's angles.
        assert pool.energy(i, opt.x) == pytest.approx(pool.opt[i], abs=1e-9)
