import numpy as np
import pytest

from gan.data.splits import holdout_split


def test_split_is_deterministic_and_order_independent():
    names = [f"cs{i:05d}" for i in range(1000)]
    train, hold = holdout_split(names, 100, seed=0)
    assert len(hold) == 100 and len(train) == 900
    assert sorted(np.concatenate([train, hold]).tolist()) == list(range(1000))
    shuffled = list(np.random.default_rng(3).permutation(names))
    t2, h2 = holdout_split(shuffled, 100, seed=0)
    assert {shuffled[i] for i in h2} == {names[i] for i in hold}
    assert {shuffled[i] for i in t2} == {names[i] for i in train}
    _, h3 = holdout_split(names, 100, seed=1)
    assert set(h3.tolist()) != set(hold.tolist())
    # the recipe itself: seeded permutation of the sorted names
    perm = np.random.default_rng(0).permutation(1000)
    assert {names[i] for i in hold} == {sorted(names)[i] for i in perm[:100]}


@pytest.mark.parametrize("n_holdout", [-1, 11, 2.5, True])
def test_bad_holdout_size(n_holdout):
    with pytest.raises(ValueError, match="n_holdout"):
        holdout_split([str(i) for i in range(10)], n_holdout)


def test_duplicate_names():
    with pytest.raises(ValueError, match="unique names.*'a'"):
        holdout_split(["a", "b", "a"], 1)
