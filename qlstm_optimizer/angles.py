"""Zero-evaluation QAOA starting points, in Qiskit's sign convention.

Every function returns a vector ``[beta_0..beta_{p-1}, gamma_0..gamma_{p-1}]`` for
``QAOAAnsatz`` / :func:`qlstm_optimizer.sim.qaoa_energy`. The published tables use other sign
conventions; we convert once here. Flipping every sign (time reversal) gives the same energy, so
``-x`` is an equally good start; flipping only the gammas (or only the betas) is not.

* **Max-Cut** (Wurtz & Lykov, arXiv 2107.00677): optimal angles for 3-regular graphs in the
  large-girth limit, published for ``C = sum 1/2 (1 - Z_i Z_j)`` maximised. That is ``-H`` up to a
  constant for our ``H = sum 1/2 Z_i Z_j`` with unit weights, hence ``gamma -> -gamma``:
  returned as ``(+beta, -gamma)``.
* **SK** (Farhi et al. 1910.08187, Basso et al. 2110.14206): infinite-size optimal angles for
  ``H = (1/sqrt n) sum_{i<j} J_ij Z_i Z_j`` minimised, published with the opposite mixer sign,
  hence ``beta -> -beta``: returned as ``(-beta, +gamma)``.
* **TQA** (Sack & Serbyn 2021): a linear-ramp discretised anneal with time step ``dt``
  (``beta < 0``, ``gamma > 0``); the "linear ramp" start of Zhou et al. is the same schedule.
* **INTERP** and **FOURIER** (Zhou et al. 2020): :func:`interp_angles` extends a depth-p schedule
  to p+1; :func:`fourier_schedule` builds a depth-p schedule from q Fourier coefficients and
  :func:`fourier_fit` inverts it.

Example:
    >>> import numpy as np
    >>> fixed_angles("maxcut", 1).round(4).tolist()
    [0.3927, -0.6155]
    >>> tqa_angles(2, dt=0.8).round(4).tolist()
    [-0.6, -0.2, 0.2, 0.6]
"""

from __future__ import annotations

from typing import Any

import numpy as np

# The unit definitions, re-exported: the scaled tables are expressed through them.
from .units import REFERENCE_SCALES, coupling_scale

# Source convention: depth p -> (gammas, betas). p <= 3: the paper's values to 4 decimals (as in
# the project REFERENCE); p = 4..11: its table to 3 decimals. Cross-checked against the authors'
# data file (github.com/danlkv/fixed-angle-QAOA, mapped to this convention by exact symmetries of
# odd-degree graphs): energies on random 3-regular graphs agree to 0.1% and fall with every p.
_MAXCUT_3REG: dict[int, tuple[tuple[float, ...], tuple[float, ...]]] = {
    1: ((0.6155,), (0.3927,)),
    2: ((0.4877, 0.8980), (0.5551, 0.2925)),
    3: ((0.4221, 0.7984, 0.9371), (0.6088, 0.4593, 0.2354)),
    4: ((0.409, 0.781, 0.988, 1.156), (0.600, 0.434, 0.297, 0.159)),
    5: ((0.360, 0.707, 0.823, 1.005, 1.154), (0.632, 0.523, 0.390, 0.275, 0.149)),
    6: ((0.331, 0.645, 0.731, 0.837, 1.009, 1.126), (0.636, 0.534, 0.463, 0.360, 0.259, 0.139)),
    7: (
        (0.310, 0.618, 0.690, 0.751, 0.859, 1.020, 1.122),
        (0.648, 0.554, 0.490, 0.445, 0.341, 0.244, 0.131),
    ),
    8: (
        (0.295, 0.587, 0.654, 0.708, 0.765, 0.864, 1.026, 1.116),
        (0.649, 0.555, 0.500, 0.469, 0.420, 0.319, 0.231, 0.123),
    ),
    9: (
        (0.279, 0.566, 0.631, 0.679, 0.726, 0.768, 0.875, 1.037, 1.118),
        (0.654, 0.562, 0.509, 0.487, 0.451, 0.403, 0.305, 0.220, 0.117),
    ),
    10: (
        (0.267, 0.545, 0.610, 0.656, 0.696, 0.729, 0.774, 0.882, 1.044, 1.115),
        (0.656, 0.563, 0.514, 0.496, 0.469, 0.436, 0.388, 0.291, 0.211, 0.112),
    ),
    11: (
        (0.257, 0.528, 0.592, 0.640, 0.677, 0.702, 0.737, 0.775, 0.884, 1.047, 1.115),
        (0.656, 0.563, 0.516, 0.504, 0.482, 0.456, 0.421, 0.371, 0.276, 0.201, 0.107),
    ),
}

# Source convention (gammas, betas): Basso et al. 2110.14206 (p = 1, 2 also Farhi et al.). p <= 8:
# the paper's values to 4 decimals. p = 9..17: the same authors' data as shipped in QOKit
# (github.com/jpmorganchase/QOKit, qokit/assets/best_SK_QAOA_parameters.json, whose p <= 8 rows
# agree with the ones above to 4e-4), rounded to 4 decimals; tests/test_angles.py checks that
# the SK energy at these angles keeps falling with p.
_SK: dict[int, tuple[tuple[float, ...], tuple[float, ...]]] = {
    1: ((0.5,), (np.pi / 8,)),
    2: ((0.3817, 0.6655), (0.4960, 0.2690)),
    3: ((0.3297, 0.5688, 0.6406), (0.5500, 0.3675, 0.2109)),
    4: ((0.2949, 0.5144, 0.5586, 0.6429), (0.5710, 0.4176, 0.3028, 0.1729)),
    5: ((0.2705, 0.4804, 0.5074, 0.5646, 0.6397), (0.5899, 0.4492, 0.3559, 0.2643, 0.1486)),
    6: (
        (0.2528, 0.4531, 0.4750, 0.5146, 0.5650, 0.6392),
        (0.6004, 0.4670, 0.3880, 0.3176, 0.2325, 0.1291),
    ),
    7: (
        (0.2383, 0.4327, 0.4516, 0.4830, 0.5147, 0.5686, 0.6393),
        (0.6085, 0.4810, 0.4090, 0.3534, 0.2857, 0.2080, 0.1146),
    ),
    8: (
        (0.2268, 0.4162, 0.4332, 0.4608, 0.4818, 0.5179, 0.5717, 0.6393),
        (0.6151, 0.4906, 0.4244, 0.3780, 0.3224, 0.2606, 0.1884, 0.1030),
    ),
    9: (
        (0.2170, 0.4022, 0.4188, 0.4441, 0.4604, 0.4850, 0.5229, 0.5779, 0.6438),
        (0.6196, 0.4976, 0.4358, 0.3969, 0.3488, 0.2983, 0.2398, 0.1721, 0.0934),
    ),
    10: (
        (0.2087, 0.3905, 0.4066, 0.4302, 0.4428, 0.4609, 0.4878, 0.5278, 0.5810, 0.6412),
        (0.6245, 0.5036, 0.4430, 0.4090, 0.3672, 0.3246, 0.2759, 0.2206, 0.1572, 0.0848),
    ),
    11: (
        (
            0.2023, 0.3803, 0.3962, 0.4199, 0.4297, 0.4441, 0.4625, 0.4906, 0.5314,
            0.5834, 0.6400,
        ),
        (
            0.6267, 0.5068, 0.4497, 0.4195, 0.3822, 0.3453, 0.3035, 0.2567, 0.2049,
            0.1452, 0.0785,
        ),
    ),
    12: (
        (
            0.1949, 0.3716, 0.3903, 0.4117, 0.4193, 0.4300, 0.4455, 0.4676, 0.4956,
            0.5353, 0.5863, 0.6423,
        ),
        (
            0.6307, 0.5143, 0.4585, 0.4294, 0.3946, 0.3629, 0.3281, 0.2864, 0.2409,
            0.1908, 0.1349, 0.0726,
        ),
    ),
    13: (
        (
            0.1906, 0.3633, 0.3804, 0.4035, 0.4111, 0.4209, 0.4304, 0.4459, 0.4684,
            0.4997, 0.5413, 0.5902, 0.6429,
        ),
        (
            0.6317, 0.5134, 0.4598, 0.4349, 0.4037, 0.3748, 0.3414, 0.3064, 0.2680,
            0.2255, 0.1784, 0.1258, 0.0675,
        ),
    ),
    14: (
        (
            0.1858, 0.3567, 0.3738, 0.3963, 0.4036, 0.4119, 0.4186, 0.4308, 0.4475,
            0.4713, 0.5038, 0.5450, 0.5920, 0.6436,
        ),
        (
            0.6345, 0.5163, 0.4631, 0.4402, 0.4117, 0.3849, 0.3551, 0.3238, 0.2901,
            0.2534, 0.2128, 0.1679, 0.1181, 0.0634,
        ),
    ),
    15: (
        (
            0.1807, 0.3454, 0.3601, 0.3872, 0.3944, 0.4079, 0.4146, 0.4202, 0.4314,
            0.4491, 0.4722, 0.5066, 0.5481, 0.5923, 0.6425,
        ),
        (
            0.6356, 0.5124, 0.4640, 0.4443, 0.4203, 0.4020, 0.3720, 0.3420, 0.3107,
            0.2772, 0.2420, 0.2042, 0.1603, 0.1131, 0.0608,
        ),
    ),
    16: (
        (
            0.1765, 0.3430, 0.3617, 0.3842, 0.3914, 0.3990, 0.4039, 0.4111, 0.4204,
            0.4344, 0.4537, 0.4790, 0.5118, 0.5518, 0.5964, 0.6445,
        ),
        (
            0.6367, 0.5193, 0.4683, 0.4485, 0.4241, 0.4024, 0.3772, 0.3509, 0.3230,
            0.2934, 0.2620, 0.2276, 0.1904, 0.1496, 0.1049, 0.0561,
        ),
    ),
    17: (
        (
            0.1714, 0.3399, 0.3599, 0.3785, 0.3894, 0.3974, 0.4051, 0.4114, 0.4162,
            0.4274, 0.4418, 0.4611, 0.4859, 0.5185, 0.5571, 0.6006, 0.6429,
        ),
        (
            0.6419, 0.5282, 0.4716, 0.4528, 0.4332, 0.4155, 0.3948, 0.3704, 0.3425,
            0.3145, 0.2854, 0.2541, 0.2212, 0.1848, 0.1454, 0.1011, 0.0540,
        ),
    ),
}

def _family(family: str) -> str:
    key = str(family).lower().replace("-", "").replace("_", "")
    if key not in ("maxcut", "sk"):
        raise ValueError(f"unknown problem family {family!r}: expected 'maxcut' or 'sk'")
    return key


def fixed_angle_depths(family: str) -> tuple[int, ...]:
    """Depths p for which :func:`fixed_angles` has a table entry."""
    return tuple(sorted(_MAXCUT_3REG if _family(family) == "maxcut" else _SK))


def fixed_angles(family: str, p: int) -> np.ndarray:
    """Tabulated instance-independent angles for ``family`` ("maxcut" or "sk") at depth ``p``.

    Max-Cut angles are for unit-weight 3-regular graphs (``H = sum 1/2 Z_i Z_j``); for other
    degrees or weights use :func:`scaled_fixed_angles`.

    Example:
        >>> fixed_angles("sk", 1).round(4).tolist()
        [-0.3927, 0.5]
    """
    fam = _family(family)
    table = _MAXCUT_3REG if fam == "maxcut" else _SK
    if p not in table:
        raise ValueError(
            f"no fixed-angle table entry for family {fam!r} at p={p}; available: "
            f"{fixed_angle_depths(fam)}. Use tqa_angles(p) instead."
        )
    gammas, betas = table[p]
    betas, gammas = np.asarray(betas, dtype=float), np.asarray(gammas, dtype=float)
    # Qiskit's convention (module docstring): Max-Cut gamma -> -gamma, SK beta -> -beta.
    return np.concatenate([betas, -gammas] if fam == "maxcut" else [-betas, gammas])


def scaled_fixed_angles(hamiltonian: Any, p: int, family: str | None = None) -> np.ndarray:
    """Fixed angles with every gamma rescaled by ``s_ref / s`` for this Hamiltonian.

    ``s`` is :func:`coupling_scale` of the instance and ``s_ref`` that of the instances the table
    was optimised for (:data:`REFERENCE_SCALES`). Why this rule: at p=1 on a d-regular
    large-girth graph the optimal gamma is arctan(1/sqrt(d-1)) ~ 1/sqrt(d) and scales as 1/w
    with uniform weights w; matching ``gamma * s`` reproduces both trends, and it is exact for
    the instances the table was made for. Betas do not depend on the energy scale and are kept.

    Args:
        hamiltonian: a problem, ``DiagonalHamiltonian`` or ``SparsePauliOp``.
        p: depth.
        family: table to use; default the problem's ``family`` attribute, else "maxcut".

    Example:
        >>> from qlstm_optimizer.hamiltonian import DiagonalHamiltonian
        >>> h = DiagonalHamiltonian(4, {(0, 1): 1.0, (1, 2): 1.0, (2, 3): 1.0, (0, 3): 1.0})
        >>> scaled_fixed_angles(h, 1).round(4).tolist()
        [0.3927, -0.3769]
    """
    fam = _family(family if family is not None else getattr(hamiltonian, "family", "maxcut"))
    x = fixed_angles(fam, p)
    s = coupling_scale(hamiltonian)
    if s > 0:
        x[p:] *= REFERENCE_SCALES[fam] / s
    return x


def tqa_angles(p: int, dt: float = 0.75) -> np.ndarray:
    """Trotterised-quantum-annealing start: a linear ramp of total time ``p * dt``.

    In Qiskit's convention ``|+>`` is the ground state of ``-sum X``, so
    ``gamma_i = (i - 1/2) dt / p`` and ``beta_i = -(1 - (i - 1/2) / p) dt`` for i = 1..p.
    ``dt ~ 0.75`` suits Hamiltonians with :func:`coupling_scale` ~ 1; scale it by ``1/s``
    otherwise.
    """
    if int(p) != p or p < 1:
        raise ValueError(f"p must be a positive integer, got {p!r}")
    frac = (np.arange(1, int(p) + 1) - 0.5) / p
    return np.concatenate([-(1.0 - frac) * dt, frac * dt])


def interp_angles(x: Any) -> np.ndarray:
    """INTERP (Zhou et al. 2020): extend a depth-p vector to depth p+1 by linear interpolation
    of the beta and gamma schedules, ``x'_i = (i-1)/p x_{i-1} + (p-i+1)/p x_i`` (1-based,
    ``x_0 = x_{p+1} = 0``). Good optimised schedules are smooth, so this is a strong start.

    Example:
        >>> interp_angles([-0.4, 0.6]).tolist()
        [-0.4, -0.4, 0.6, 0.6]
    """
    arr = np.asarray(x, dtype=float)
    if arr.ndim != 1 or arr.size == 0 or arr.size % 2:
        raise ValueError(f"expected one parameter vector of even length 2p, got shape {arr.shape}")
    p = arr.size // 2

    def extend(v: np.ndarray) -> np.ndarray:
        padded = np.concatenate([[0.0], v, [0.0]])
        i = np.arange(1, p + 2)
        return (i - 1) / p * padded[i - 1] + (p - i + 1) / p * padded[i]

    return np.concatenate([extend(arr[:p]), extend(arr[p:])])


def _fourier_bases(q: int, p: int) -> tuple[np.ndarray, np.ndarray]:
    """(p, q) matrices ``sin/cos((k - 1/2)(i - 1/2) pi / p)``, i = 1..p, k = 1..q."""
    phase = np.outer(np.arange(1, p + 1) - 0.5, np.arange(1, q + 1) - 0.5) * np.pi / p
    return np.sin(phase), np.cos(phase)


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or int(value) != value or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def fourier_schedule(u: Any, v: Any, p: int) -> np.ndarray:
    """FOURIER (Zhou et al. 2020, arXiv 1812.01041): the depth-``p`` schedule of ``q`` Fourier
    coefficients, ``gamma_i = sum_k u_k sin((k-1/2)(i-1/2) pi/p)`` and
    ``beta_i = sum_k v_k cos((k-1/2)(i-1/2) pi/p)`` (i, k 1-based). Returned as
    ``[betas, gammas]``.

    The map is linear, so it keeps any sign convention: coefficients fitted to angles in
    Qiskit's convention (:func:`fourier_fit`) give angles in Qiskit's convention. (The paper's
    Max-Cut ``u`` and ``v`` are positive; here Max-Cut ``u`` is negative, SK ``v`` negative.)
    ``q`` may differ from ``p``; smooth optimal schedules need only a few modes.

    Example:
        >>> fourier_schedule([0.5], [0.4], 2).round(4).tolist()
        [0.3696, 0.1531, 0.1913, 0.4619]
    """
    u = np.asarray(u, dtype=float).ravel()
    v = np.asarray(v, dtype=float).ravel()
    if u.size == 0 or u.shape != v.shape:
        raise ValueError(f"u and v must be non-empty and of equal length, got {u.size} and "
                         f"{v.size} coefficients")
    sin, cos = _fourier_bases(u.size, _positive_int(p, "p"))
    return np.concatenate([cos @ v, sin @ u])


def fourier_fit(x: Any, q: int) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares ``(u, v)`` with ``q`` modes each whose :func:`fourier_schedule` is closest
    to the schedule ``x = [betas, gammas]``: exact for ``q >= p`` (the sine and cosine bases
    are orthogonal, ``S^T S = p/2 I`` for ``q = p``; for ``q > p`` the minimum-norm solution),
    the projection onto the first ``q`` modes for ``q < p``.

    Example:
        >>> u, v = fourier_fit(tqa_angles(4), 4)
        >>> bool(np.allclose(fourier_schedule(u, v, 4), tqa_angles(4)))
        True
    """
    arr = np.asarray(x, dtype=float)
    if arr.ndim != 1 or arr.size == 0 or arr.size % 2:
        raise ValueError(f"expected one parameter vector of even length 2p, got shape {arr.shape}")
    p = arr.size // 2
    sin, cos = _fourier_bases(_positive_int(q, "q"), p)
    u = np.linalg.lstsq(sin, arr[p:], rcond=None)[0]
    v = np.linalg.lstsq(cos, arr[:p], rcond=None)[0]
    return u, v


__all__ = [
    "REFERENCE_SCALES",
    "coupling_scale",
    "fixed_angle_depths",
    "fixed_angles",
    "fourier_fit",
    "fourier_schedule",
    "interp_angles",
    "scaled_fixed_angles",
    "tqa_angles",
]
