"""A toy image world with a known causal graph: small faces rendered from four attributes.

Every face is a 3×32×32 RGB image drawn from four attributes and some nuisance noise.
The attributes follow a structural causal model (SCM) with the graph
``age → hair`` (hair greys with age) and ``age → glasses`` (older people wear glasses
more often); ``smile`` is an independent root. The renderer is exact and *local*: each
attribute owns a fixed set of pixels (:func:`owned_masks`) — age draws wrinkles, hair
colours the hair, glasses draw frames, smile bends the mouth — while the nuisance noise
(skin tone, background colour, pixel noise) touches the rest. Because the noise of every
face is returned, the true counterfactual image of any edit is known
(:func:`counterfactual`), which is what lets the chapter grade learned edits exactly.

The attribute SCM is a :class:`causalcourse.scm.SCM` (:data:`ATTRIBUTE_SCM`; glasses is a
:func:`~causalcourse.scm.bernoulli_threshold` of age): sampling, ``do`` and replaying a
face's noise are the SCM's. An unknown attribute raises
:class:`~causalcourse.errors.UnknownNameError`.
"""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx
import numpy as np

from causalcourse.errors import CourseError, UnknownNameError
from causalcourse.scm import SCM, Mechanism, bernoulli_threshold, normal, uniform

__all__ = [
    "ATTRIBUTES",
    "ATTRIBUTE_SCM",
    "SIZE",
    "causal_graph",
    "descendants",
    "sample_noise",
    "attributes_from_noise",
    "render",
    "owned_masks",
    "edit_region",
    "sample_faces",
    "counterfactual",
    "glasses_counterfactual_probability",
]

ATTRIBUTES: tuple[str, ...] = ("age", "hair", "glasses", "smile")
SIZE = 32
NOISE_KEYS = ("age", "u_hair", "u_glasses", "smile", "skin", "background", "pixels")
HAIR_SLOPE, HAIR_NOISE = 4.0, 0.8  # hair = sigmoid(4 (age - 0.5) + 0.8 u_hair)
GLASSES_BASE, GLASSES_SLOPE = 0.1, 0.75  # glasses = [u_glasses < 0.1 + 0.75 age]
PIXEL_NOISE = 0.02

#: The attribute SCM; its noise variables are the noise keys ``age``, ``u_hair``,
#: ``u_glasses`` and ``smile`` (under the attributes' names).
ATTRIBUTE_SCM = SCM(
    {
        "age": ((), lambda u: u, uniform(0.0, 1.0)),
        "hair": (
            ("age",),
            lambda age, u: 1 / (1 + np.exp(-(HAIR_SLOPE * (age - 0.5) + HAIR_NOISE * u))),
            normal(),
        ),
        "glasses": bernoulli_threshold(("age",), lambda age: GLASSES_BASE + GLASSES_SLOPE * age),
        "smile": ((), lambda u: u, uniform(-1.0, 1.0)),
    }
)
_NOISE_OF = {"age": "age", "hair": "u_hair", "glasses": "u_glasses", "smile": "smile"}

_YY, _XX = np.mgrid[0:SIZE, 0:SIZE].astype(float)
_HEAD = ((_YY - 18) / 12.5) ** 2 + ((_XX - 16) / 10.5) ** 2 <= 1
_HAIR = (((_YY - 15) / 14) ** 2 + ((_XX - 16) / 12.5) ** 2 <= 1) & (_YY <= 9)
_EYE_CENTRES = ((16, 11.5), (16, 20.5))
_RING = np.zeros((SIZE, SIZE), bool)
for _cy, _cx in _EYE_CENTRES:
    _dist = np.hypot(_YY - _cy, _XX - _cx)
    _RING |= (_dist >= 2.6) & (_dist <= 3.8)
_RING |= (_YY == 15) & (_XX >= 14) & (_XX <= 17)
_EYES = np.zeros((SIZE, SIZE), bool)
for _cy, _cx in _EYE_CENTRES:
    _EYES |= np.hypot(_YY - _cy, _XX - (_cx + 0.0)) <= 1.2
_WRINKLES = (((_YY == 11) | (_YY == 12)) & (_XX >= 11) & (_XX <= 21)) | (
    ((_XX == 8) | (_XX == 24)) & (_YY >= 20) & (_YY <= 24)
)
_MOUTH = (_YY >= 21) & (_YY <= 27) & (_XX >= 11) & (_XX <= 21)

SKIN = np.array([[0.97, 0.84, 0.72], [0.58, 0.40, 0.28]])
BACKGROUND = np.array([[0.70, 0.82, 0.95], [0.95, 0.88, 0.62]])
HAIR_COLOUR = np.array([[0.30, 0.17, 0.07], [0.88, 0.88, 0.88]])
FRAME_COLOUR = np.array([0.05, 0.10, 0.45])
LIP_COLOUR = np.array([0.60, 0.10, 0.15])


def causal_graph() -> nx.DiGraph:
    """The causal graph among the attributes: ``age → hair``, ``age → glasses``, ``smile`` alone.

    Example
    -------
    >>> sorted(causal_graph().edges)
    [('age', 'glasses'), ('age', 'hair')]
    """
    return ATTRIBUTE_SCM.graph


def descendants(attribute: str) -> list[str]:
    """The attributes an intervention on ``attribute`` may change: itself and its descendants.

    Raises :class:`~causalcourse.errors.UnknownNameError` naming an unknown attribute.

    Example
    -------
    >>> descendants("age"), descendants("glasses")
    (['age', 'hair', 'glasses'], ['glasses'])
    """
    if attribute not in ATTRIBUTES:
        raise UnknownNameError(
            f"unknown attribute {attribute!r}; the attributes are {list(ATTRIBUTES)}"
        )
    below = nx.descendants(causal_graph(), attribute) | {attribute}
    return [a for a in ATTRIBUTES if a in below]


def sample_noise(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Draw the exogenous noise of ``n`` faces: everything about a face except the mechanisms.

    ``age`` and ``smile`` are roots, so their noise is their value; ``u_hair`` and
    ``u_glasses`` feed the hair and glasses mechanisms; ``skin``, ``background`` and
    ``pixels`` are nuisance noise of the image itself.

    Example
    -------
    >>> noise = sample_noise(5, np.random.default_rng(0))
    >>> noise["pixels"].shape, noise["age"].shape
    ((5, 3, 32, 32), (5,))
    """
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise CourseError(f"n must be a positive integer, got {n!r}")
    return {
        "age": rng.uniform(0.0, 1.0, n),
        "u_hair": rng.standard_normal(n),
        "u_glasses": rng.uniform(0.0, 1.0, n),
        "smile": rng.uniform(-1.0, 1.0, n),
        "skin": rng.uniform(0.0, 1.0, n),
        "background": rng.uniform(0.0, 1.0, n),
        "pixels": (PIXEL_NOISE * rng.standard_normal((n, 3, SIZE, SIZE))).astype(np.float32),
    }


def attributes_from_noise(
    noise: Mapping[str, np.ndarray], do: Mapping[str, float | np.ndarray] | None = None
) -> dict[str, np.ndarray]:
    """Run the attribute SCM on given noise, optionally under an intervention ``do``.

    An intervened attribute is set to its value; every other attribute keeps its own
    mechanism and its own noise, so descendants follow and non-descendants stay put.

    Example
    -------
    >>> noise = {"age": np.array([0.2]), "u_hair": np.array([0.0]),
    ...          "u_glasses": np.array([0.5]), "smile": np.array([0.3])}
    >>> a = attributes_from_noise(noise, do={"age": 0.9})
    >>> float(a["age"][0]), round(float(a["hair"][0]), 3), float(a["glasses"][0])
    (0.9, 0.832, 1.0)
    """
    do = dict(do or {})
    for name in do:
        if name not in ATTRIBUTES:
            raise UnknownNameError(
                f"cannot intervene on unknown attribute {name!r}; "
                f"the attributes are {list(ATTRIBUTES)}"
            )
    missing = [key for key in _NOISE_OF.values() if key not in noise]
    if missing:
        raise UnknownNameError(f"the noise lacks {missing}; draw it with sample_noise")
    n = len(noise["age"])

    def setting(value: float | np.ndarray) -> Mechanism:
        values = np.broadcast_to(np.asarray(value, dtype=float), (n,)).copy()
        return Mechanism((), lambda: values)

    model = ATTRIBUTE_SCM.do({name: setting(v) for name, v in do.items()}) if do else ATTRIBUTE_SCM
    frame = model.sample(noise={name: np.asarray(noise[key]) for name, key in _NOISE_OF.items()})
    return {name: frame[name].to_numpy(dtype=float) for name in ATTRIBUTES}


def _lerp(pair: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Colours between ``pair[0]`` (t=0) and ``pair[1]`` (t=1), shape (n, 3, 1, 1)."""
    t = np.asarray(t, dtype=float)[:, None]
    return ((1 - t) * pair[0] + t * pair[1])[:, :, None, None]


def render(attributes: Mapping[str, np.ndarray], noise: Mapping[str, np.ndarray]) -> np.ndarray:
    """Draw faces (float32, shape (n, 3, 32, 32), values in [0, 1]) from attributes and noise.

    The renderer is exact and local: ``age`` darkens the wrinkle lines, ``hair`` sets the
    hair colour, ``glasses`` blends in dark-blue frames, ``smile`` bends the mouth; skin tone,
    background and pixel noise come from ``noise``.

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> noise = sample_noise(2, rng)
    >>> img = render(attributes_from_noise(noise), noise)
    >>> img.shape, img.dtype, bool(img.min() >= 0 and img.max() <= 1)
    ((2, 3, 32, 32), dtype('float32'), True)
    """
    missing = [a for a in ATTRIBUTES if a not in attributes]
    if missing:
        raise UnknownNameError(f"render needs every attribute; missing {missing}")
    n = len(attributes["age"])
    img = np.where(_HEAD, _lerp(SKIN, noise["skin"]), _lerp(BACKGROUND, noise["background"]))
    img = np.where(_HAIR, _lerp(HAIR_COLOUR, attributes["hair"]), img)
    img = np.where(
        _WRINKLES, img * (1 - 0.55 * np.asarray(attributes["age"])[:, None, None, None]), img
    )
    img = np.where(_EYES, 0.08, img)
    g = np.asarray(attributes["glasses"], dtype=float)[:, None, None, None]
    img = np.where(_RING, (1 - g) * img + g * FRAME_COLOUR[None, :, None, None], img)
    # the mouth: a curve y = 24 + 2.5 * smile * (1 - ((x - 16) / 5)^2), drawn with soft edges
    s = np.asarray(attributes["smile"], dtype=float)[:, None, None]
    curve = 24.0 + 2.5 * s * (1 - ((_XX[None] - 16) / 5.0) ** 2)
    ink = np.exp(-((_YY[None] - curve) ** 2) / (2 * 0.55**2)) * (np.abs(_XX[None] - 16) <= 5)
    ink = (ink * _MOUTH)[:, None]
    img = (1 - ink) * img + ink * LIP_COLOUR[None, :, None, None]
    img = img + noise["pixels"][:n]
    return np.clip(img, 0.0, 1.0).astype(np.float32)


def owned_masks() -> dict[str, np.ndarray]:
    """For each attribute, the boolean (32, 32) mask of the pixels it can change.

    Example
    -------
    >>> m = owned_masks()
    >>> sorted(m), int(m["glasses"].sum()) > 0
    (['age', 'glasses', 'hair', 'smile'], True)
    """
    return {
        "age": _WRINKLES.copy(),
        "hair": _HAIR.copy(),
        "glasses": _RING.copy(),
        "smile": _MOUTH.copy(),
    }


def edit_region(attribute: str) -> np.ndarray:
    """The pixels an edit of ``attribute`` may legitimately change: its own and its descendants'.

    Example
    -------
    >>> bool((edit_region("age") >= owned_masks()["hair"]).all())
    True
    """
    masks = owned_masks()
    return np.logical_or.reduce([masks[a] for a in descendants(attribute)])


def sample_faces(
    n: int,
    rng: np.random.Generator,
    do: Mapping[str, float | np.ndarray] | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Sample ``n`` faces: returns ``(images, attributes, noise)``; ``do`` intervenes first.

    ``do`` may set attributes to constants or to arrays of length ``n``; use it, for
    example, to draw attributes independently of each other (a randomised design).

    Example
    -------
    >>> images, attrs, noise = sample_faces(4, np.random.default_rng(1))
    >>> images.shape, sorted(attrs)
    ((4, 3, 32, 32), ['age', 'glasses', 'hair', 'smile'])
    """
    noise = sample_noise(n, rng)
    attrs = attributes_from_noise(noise, do)
    return render(attrs, noise), attrs, noise


def counterfactual(
    noise: Mapping[str, np.ndarray], do: Mapping[str, float | np.ndarray]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The true counterfactual faces under ``do``: same noise, intervened SCM, same renderer.

    Example
    -------
    >>> rng = np.random.default_rng(2)
    >>> images, attrs, noise = sample_faces(3, rng)
    >>> cf_images, cf_attrs = counterfactual(noise, {"glasses": 1.0})
    >>> bool(np.allclose(cf_attrs["hair"], attrs["hair"])), bool((cf_attrs["glasses"] == 1).all())
    (True, True)
    """
    attrs = attributes_from_noise(noise, do)
    return render(attrs, noise), attrs


def glasses_counterfactual_probability(
    age: np.ndarray, glasses: np.ndarray, new_age: np.ndarray
) -> np.ndarray:
    """P(glasses would be 1 had age been ``new_age`` | this face's age and glasses), exactly.

    The glasses mechanism is ``[u < p(age)]`` with ``u ~ U(0, 1)``: seeing glasses tells us
    only that ``u < p(age)`` (no glasses: ``u ≥ p(age)``), so the counterfactual is a
    probability, not a single answer — it is not identified by the observation.

    Example
    -------
    >>> glasses_counterfactual_probability(np.array([0.2, 0.2]), np.array([1.0, 0.0]),
    ...     np.array([0.8, 0.8]))
    array([1. , 0.6])
    """
    age, glasses, new_age = (np.asarray(v, dtype=float) for v in (age, glasses, new_age))
    if np.any((age < 0) | (age > 1)) or np.any((new_age < 0) | (new_age > 1)):
        raise CourseError("age and new_age must lie in [0, 1], the range of the age attribute")
    if not np.isin(glasses, (0.0, 1.0)).all():
        raise CourseError("glasses must be 0 or 1")
    p_old = GLASSES_BASE + GLASSES_SLOPE * np.asarray(age, dtype=float)
    p_new = GLASSES_BASE + GLASSES_SLOPE * np.asarray(new_age, dtype=float)
    if_worn = np.minimum(p_new, p_old) / p_old
    if_not = np.maximum(p_new - p_old, 0.0) / (1 - p_old)
    return np.where(np.asarray(glasses) > 0.5, if_worn, if_not)
