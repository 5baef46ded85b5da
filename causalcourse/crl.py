"""Causal representation learning on the toy faces of :mod:`causalcourse.imageworld`.

Two generative models in Pyro and the tools to grade their edits:

* :class:`FaceVAE` — a plain VAE. Its edits are *attribute vectors*: move the latent code
  along the direction that separates faces with and without an attribute (the usual
  "latent arithmetic" of image generators). Nothing ties a latent to one cause.
* :class:`DeepSCM` — a deep structural causal model in the style of Pawlowski et al. (2020):
  the attributes follow learned mechanisms along the causal graph, and the image is decoded
  from the attributes and an exogenous noise code ``z``. A counterfactual edit abducts the
  noise of one image (``z`` by the encoder, the attribute noise by inverting the
  mechanisms), intervenes with ChiRho's ``do``, and runs the mechanisms forward.

:func:`fit_readers` trains one small linear read-out per attribute on the pixels that
attribute owns; :func:`edit_locality` uses them, and the known pixel ownership, to measure
how much an edit changes what it should not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pyro
import pyro.distributions as dist
import torch
from chirho.interventional.handlers import do as chirho_do
from pyro.infer import SVI, Trace_ELBO
from torch import nn

from causalcourse.errors import CourseError, UnknownNameError
from causalcourse.imageworld import ATTRIBUTES, SIZE, descendants, edit_region, owned_masks

__all__ = [
    "attribute_matrix",
    "FaceVAE",
    "DeepSCM",
    "train_svi",
    "attribute_directions",
    "vae_edit",
    "fit_readers",
    "read_attributes",
    "edit_locality",
    "show_faces",
]

PIXELS = 3 * SIZE * SIZE


def attribute_matrix(attributes: Mapping[str, np.ndarray]) -> torch.Tensor:
    """Stack the attributes into a float32 tensor of shape (n, 4), columns in ``ATTRIBUTES`` order.

    Example
    -------
    >>> attribute_matrix({"age": [0.5], "hair": [0.2], "glasses": [1.0], "smile": [-0.3]})
    tensor([[ 0.5000,  0.2000,  1.0000, -0.3000]])
    """
    missing = [a for a in ATTRIBUTES if a not in attributes]
    if missing:
        raise UnknownNameError(f"missing attributes {missing}; need all of {list(ATTRIBUTES)}")
    return torch.tensor(
        np.stack([np.asarray(attributes[a], dtype=np.float32) for a in ATTRIBUTES], 1)
    )


def _check_sizes(z_dim: int, hidden: int, pixel_scale: float) -> None:
    if z_dim < 1 or hidden < 1:
        raise CourseError(
            f"z_dim and hidden must be at least 1, got z_dim={z_dim}, hidden={hidden}"
        )
    if not pixel_scale > 0:
        raise CourseError(f"pixel_scale must be positive, got {pixel_scale!r}")


def _mlp(n_in: int, n_out: int, hidden: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, n_out))


class _Decoder(nn.Module):
    """Pixels in (0, 1) from a code: a one-hidden-layer MLP plus a linear skip path."""

    def __init__(self, n_in: int, hidden: int) -> None:
        super().__init__()
        self.mlp, self.skip = _mlp(n_in, PIXELS, hidden), nn.Linear(n_in, PIXELS, bias=False)

    def forward(self, code: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.mlp(code) + self.skip(code))


class FaceVAE(nn.Module):
    """A plain VAE for the faces: ``z ~ N(0, I)``, pixels ~ Normal(decoder(z), pixel_scale).

    ``model(x)`` and ``guide(x)`` are Pyro programs for SVI; ``encode`` gives the posterior
    mean code of images, ``decode`` turns codes back into images of shape (n, 3, 32, 32).

    Example
    -------
    >>> vae = FaceVAE(z_dim=3, hidden=8)
    >>> vae.decode(vae.encode(torch.zeros(2, 3, 32, 32))).shape
    torch.Size([2, 3, 32, 32])
    """

    def __init__(self, z_dim: int = 8, hidden: int = 256, pixel_scale: float = 0.05) -> None:
        super().__init__()
        _check_sizes(z_dim, hidden, pixel_scale)
        self.z_dim, self.pixel_scale = z_dim, pixel_scale
        self.encoder = _mlp(PIXELS, 2 * z_dim, hidden)
        self.decoder = _Decoder(z_dim, hidden)

    def model(self, x: torch.Tensor) -> None:
        pyro.module("vae", self)
        with pyro.plate("faces", x.shape[0]):
            z = pyro.sample("z", dist.Normal(x.new_zeros(self.z_dim), 1.0).to_event(1))
            pyro.sample(
                "x", dist.Normal(self.decoder(z), self.pixel_scale).to_event(1), obs=x.flatten(1)
            )

    def guide(self, x: torch.Tensor) -> None:
        pyro.module("vae", self)
        with pyro.plate("faces", x.shape[0]):
            loc, log_scale = self.encoder(x.flatten(1)).chunk(2, -1)
            pyro.sample("z", dist.Normal(loc, log_scale.exp()).to_event(1))

    @torch.no_grad()
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x.flatten(1)).chunk(2, -1)[0]

    @torch.no_grad()
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z).reshape(-1, 3, SIZE, SIZE)


class DeepSCM(nn.Module):
    """A deep SCM of the faces: learned attribute mechanisms along the graph, image from (z,
    attributes).

    Mechanisms: ``age ~ U(0, 1)`` and ``smile ~ U(-1, 1)`` are roots; ``logit(hair) =
    f(age) + s · ε`` with a small network ``f``; ``glasses = [u < sigmoid(g(age))]`` with
    ``u ~ U(0, 1)``; the image is Normal(decoder(z, attributes), pixel_scale) with exogenous
    ``z ~ N(0, I)``, whose KL term is weighted by ``beta``. ``model(x, a)`` / ``guide(x, a)``
    train it with SVI;
    ``counterfactual(x, a, do)`` does abduction, action (ChiRho ``do``) and prediction.

    Example
    -------
    >>> scm = DeepSCM(z_dim=2, hidden=8)
    >>> a = torch.tensor([[0.5, 0.5, 1.0, 0.0]])
    >>> images, cf = scm.counterfactual(torch.zeros(1, 3, 32, 32), a, {"glasses": 0.0})
    >>> images.shape, cf[0, 2].item(), cf[0, 0].item()
    (torch.Size([1, 3, 32, 32]), 0.0, 0.5)
    """

    def __init__(
        self, z_dim: int = 4, hidden: int = 256, pixel_scale: float = 0.05, beta: float = 1.0
    ) -> None:
        super().__init__()
        _check_sizes(z_dim, hidden, pixel_scale)
        self.z_dim, self.pixel_scale, self.beta = z_dim, pixel_scale, beta
        self.encoder = _mlp(PIXELS, 2 * z_dim, hidden)
        self.decoder = _Decoder(z_dim + len(ATTRIBUTES), hidden)
        self.hair_net = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 1))
        self.hair_log_scale = nn.Parameter(torch.zeros(()))
        self.glasses_net = nn.Linear(1, 1)

    # -- mechanisms shared by training and counterfactuals -----------------------------------
    def decode(self, z: torch.Tensor, attrs: torch.Tensor) -> torch.Tensor:
        """Pixel means from noise and attributes; attributes enter centred and scaled up (×4),
        so that the decoder's weights for them move as fast as those for ``z``."""
        centred = 4 * (attrs - attrs.new_tensor([0.5, 0.5, 0.5, 0.0]))
        return self.decoder(torch.cat([z, centred], -1))

    # (inputs and outputs are scaled so that Adam moves these few weights quickly)
    def hair_loc(self, age: torch.Tensor) -> torch.Tensor:
        return 4 * self.hair_net(4 * (age[:, None] - 0.5)).squeeze(-1)

    def hair_scale(self) -> torch.Tensor:
        return torch.exp(4 * self.hair_log_scale)

    def glasses_logit(self, age: torch.Tensor) -> torch.Tensor:
        return 8 * self.glasses_net(age[:, None] - 0.5).squeeze(-1)

    def model(self, x: torch.Tensor, a: torch.Tensor) -> None:
        pyro.module("deep_scm", self)
        hair_obs = a[:, 1].clamp(1e-4, 1 - 1e-4)
        with pyro.plate("faces", x.shape[0]):
            age = pyro.sample("age", dist.Uniform(0.0, 1.0), obs=a[:, 0])
            hair_dist = dist.TransformedDistribution(
                dist.Normal(self.hair_loc(age), self.hair_scale()),
                [dist.transforms.SigmoidTransform()],
            )
            hair = pyro.sample("hair", hair_dist, obs=hair_obs)
            glasses = pyro.sample(
                "glasses", dist.Bernoulli(logits=self.glasses_logit(age)), obs=a[:, 2]
            )
            smile = pyro.sample("smile", dist.Uniform(-1.0, 1.0), obs=a[:, 3])
            with pyro.poutine.scale(scale=self.beta):
                z = pyro.sample("z", dist.Normal(x.new_zeros(self.z_dim), 1.0).to_event(1))
            attrs = torch.stack([age, hair, glasses, smile], -1)
            loc = self.decode(z, attrs)
            pyro.sample("x", dist.Normal(loc, self.pixel_scale).to_event(1), obs=x.flatten(1))

    def guide(self, x: torch.Tensor, a: torch.Tensor) -> None:
        pyro.module("deep_scm", self)
        with pyro.plate("faces", x.shape[0]):
            loc, log_scale = self.encoder(x.flatten(1)).chunk(2, -1)
            with pyro.poutine.scale(scale=self.beta):
                pyro.sample("z", dist.Normal(loc, log_scale.exp()).to_event(1))

    # -- abduction, action, prediction ---------------------------------------------------------
    @torch.no_grad()
    def abduct(
        self,
        x: torch.Tensor,
        a: torch.Tensor,
        generator: torch.Generator | None = None,
    ) -> dict[str, torch.Tensor]:
        """The exogenous noise of each face: z (encoder mean), ε of hair, u of glasses (a draw)."""
        age, hair, glasses = a[:, 0], a[:, 1].clamp(1e-4, 1 - 1e-4), a[:, 2]
        eps_hair = (torch.logit(hair) - self.hair_loc(age)) / self.hair_scale()
        p = torch.sigmoid(self.glasses_logit(age))  # u | glasses is uniform on [0, p) or [p, 1)
        r = torch.rand(len(a), generator=generator)
        u_glasses = torch.where(glasses > 0.5, r * p, p + r * (1 - p))
        z = self.encoder(x.flatten(1)).chunk(2, -1)[0]
        return {"age": age, "eps_hair": eps_hair, "u_glasses": u_glasses, "smile": a[:, 3], "z": z}

    @torch.no_grad()
    def mechanisms(self, noise: Mapping[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """Run the SCM forward from its noise; every attribute is a named site ChiRho can intervene
        on."""
        age = pyro.deterministic("age", noise["age"])
        hair = pyro.deterministic(
            "hair", torch.sigmoid(self.hair_loc(age) + self.hair_scale() * noise["eps_hair"])
        )
        glasses = pyro.deterministic(
            "glasses", (noise["u_glasses"] < torch.sigmoid(self.glasses_logit(age))).float()
        )
        smile = pyro.deterministic("smile", noise["smile"])
        attrs = torch.stack([age, hair, glasses, smile], -1)
        image = self.decode(noise["z"], attrs).reshape(-1, 3, SIZE, SIZE)
        return pyro.deterministic("image", image, event_dim=3), attrs

    def counterfactual(
        self,
        x: torch.Tensor,
        a: torch.Tensor,
        do: Mapping[str, float | torch.Tensor],
        generator: torch.Generator | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Counterfactual images and attributes of faces ``x`` with attributes ``a`` under
        ``do``."""
        unknown = [k for k in do if k not in ATTRIBUTES]
        if unknown:
            raise UnknownNameError(
                f"cannot intervene on unknown attribute(s) {unknown}; the attributes are "
                f"{list(ATTRIBUTES)}"
            )
        noise = self.abduct(x, a, generator)
        actions = {k: torch.as_tensor(v, dtype=torch.float32).expand(len(a)) for k, v in do.items()}
        with chirho_do(actions=actions):
            return self.mechanisms(noise)


def train_svi(
    model: Callable,
    guide: Callable,
    tensors: tuple[torch.Tensor, ...],
    epochs: int,
    batch_size: int = 128,
    lr: float = 3e-3,
    seed: int = 0,
    before_epoch: Callable[[int], None] | None = None,
) -> list[float]:
    """Train a Pyro model with SVI (Trace_ELBO, Adam) on mini-batches; return the loss per epoch.

    Mini-batches are drawn with a seeded ``torch.Generator`` so that training is repeatable.
    The loss is the negative ELBO per data point, averaged over the epoch. ``before_epoch``,
    if given, is called with the epoch number before each epoch (e.g. to warm up a KL weight).

    Example
    -------
    >>> vae = FaceVAE(z_dim=2, hidden=8)
    >>> losses = train_svi(vae.model, vae.guide, (torch.rand(20, 3, 32, 32),), epochs=2,
    ...     batch_size=10)
    >>> len(losses)
    2
    """
    if epochs < 1:
        raise CourseError(f"epochs must be at least 1, got {epochs}")
    n = len(tensors[0])
    svi = SVI(model, guide, pyro.optim.Adam({"lr": lr}), Trace_ELBO())
    generator = torch.Generator().manual_seed(seed)
    losses = []
    for epoch in range(epochs):
        if before_epoch is not None:
            before_epoch(epoch)
        order, total = torch.randperm(n, generator=generator), 0.0
        for start in range(0, n, batch_size):
            batch = order[start : start + batch_size]
            total += svi.step(*(t[batch] for t in tensors))
        losses.append(total / n)
    return losses


def attribute_directions(z: torch.Tensor, a: torch.Tensor, joint: bool = False) -> torch.Tensor:
    """Latent directions of the attributes: rows of shape (4, z_dim), one per attribute.

    By default each row is the slope of a regression of the codes on *one* attribute (for
    glasses: mean code of wearers minus non-wearers) — the usual attribute vector, which also
    carries whatever is correlated with that attribute. ``joint=True`` regresses the codes on
    all attributes at once, so each row holds the others fixed.

    Example
    -------
    >>> a = torch.tensor([[0., 0, 0, 0], [1, 1, 1, 0], [1, 0, 0, 1], [0, 0, 1, 1], [1, 1, 0, 0], [0,
    ...     1, 1, 1]])
    >>> z = 2 * a[:, :2]          # code 0 is 2·age, code 1 is 2·hair; age and hair correlate
    >>> attribute_directions(z, a)[0]     # the age vector also moves the hair code
    tensor([2.0000, 0.6667])
    >>> attribute_directions(z, a, joint=True)[0].round(decimals=3).abs()
    tensor([2., 0.])
    """
    if z.ndim != 2 or a.ndim != 2 or len(z) != len(a) or a.shape[1] != len(ATTRIBUTES):
        raise CourseError(
            f"z (n, z_dim) and a (n, {len(ATTRIBUTES)}) must have the same rows, "
            f"got shapes {tuple(z.shape)} and {tuple(a.shape)}"
        )
    if joint:
        design = torch.cat([torch.ones(len(a), 1), a], 1)
        return torch.linalg.lstsq(design, z).solution[1:]
    ac, zc = a - a.mean(0), z - z.mean(0)
    return (ac.T @ zc) / (ac**2).sum(0)[:, None]


def vae_edit(
    vae: FaceVAE,
    x: torch.Tensor,
    a: torch.Tensor,
    do: Mapping[str, float | torch.Tensor],
    directions: torch.Tensor,
) -> torch.Tensor:
    """Edit faces with a VAE by latent arithmetic: ``z + Σ (new − old) · direction`` and decode.

    Example
    -------
    >>> vae = FaceVAE(z_dim=2, hidden=8)
    >>> a = torch.tensor([[0.5, 0.5, 0.0, 0.0]])
    >>> vae_edit(vae, torch.zeros(1, 3, 32, 32), a, {"glasses": 1.0}, torch.zeros(4, 2)).shape
    torch.Size([1, 3, 32, 32])
    """
    z = vae.encode(x)
    for name, value in do.items():
        if name not in ATTRIBUTES:
            raise UnknownNameError(
                f"unknown attribute {name!r}; the attributes are {list(ATTRIBUTES)}"
            )
        j = ATTRIBUTES.index(name)
        z = z + (torch.as_tensor(value, dtype=torch.float32) - a[:, j])[:, None] * directions[j]
    return vae.decode(z)


def _check_images(images: np.ndarray | torch.Tensor) -> np.ndarray:
    out = np.asarray(images)
    if out.ndim != 4 or out.shape[1:] != (3, SIZE, SIZE):
        raise CourseError(f"images must have shape (n, 3, {SIZE}, {SIZE}), got {out.shape}")
    return out


def fit_readers(
    images: np.ndarray, attributes: Mapping[str, np.ndarray], alpha: float = 1.0
) -> dict:
    """Fit one ridge regression per attribute, from the pixels that attribute owns to its value.

    Train them on faces whose attributes were drawn *independently* (a randomised design),
    so that a reader cannot learn to guess age from hair colour. Returns ``{name: model}``.

    Example
    -------
    >>> from causalcourse.imageworld import sample_faces
    >>> rng = np.random.default_rng(0)
    >>> imgs, attrs, _ = sample_faces(200, rng, do={"glasses": rng.integers(0, 2, 200)})
    >>> readers = fit_readers(imgs, attrs)
    >>> bool(np.abs(read_attributes(readers, imgs)["glasses"] - attrs["glasses"]).max() < 0.2)
    True
    """
    from sklearn.linear_model import Ridge

    missing = [a for a in ATTRIBUTES if a not in attributes]
    if missing:
        raise UnknownNameError(f"missing attributes {missing}; need all of {list(ATTRIBUTES)}")
    images = _check_images(images)
    masks = owned_masks()
    return {
        name: Ridge(alpha=alpha).fit(
            images[:, :, masks[name]].reshape(len(images), -1), attributes[name]
        )
        for name in ATTRIBUTES
    }


def read_attributes(readers: Mapping, images: np.ndarray | torch.Tensor) -> dict[str, np.ndarray]:
    """Read every attribute off images with the readers of :func:`fit_readers`.

    Example
    -------
    >>> sorted(read_attributes({}, np.zeros((1, 3, 32, 32))))
    []
    """
    images = _check_images(images)
    masks = owned_masks()
    return {
        name: reader.predict(images[:, :, masks[name]].reshape(len(images), -1))
        for name, reader in readers.items()
    }


def edit_locality(
    readers: Mapping,
    before: np.ndarray | torch.Tensor,
    after: np.ndarray | torch.Tensor,
    attribute: str,
    threshold: float = 0.1,
    per_face: bool = False,
) -> dict[str, Any]:
    """How local an edit of ``attribute`` is, comparing images ``before`` and ``after`` the edit.

    Returns ``outside_pixels`` (fraction of pixels outside the edit region — the pixels
    ``attribute`` and its descendants own — whose largest channel change exceeds
    ``threshold``, i.e. visibly changed), ``outside_mae`` (mean over those pixels of the
    largest channel change) and
    ``non_descendant_change`` (mean absolute change of the non-descendant attributes, as read
    by ``readers``). With ``per_face=True`` each value is an array with one entry per face
    (its mean is the summary), for intervals and paired comparisons over faces.

    Example
    -------
    >>> x = np.zeros((2, 3, 32, 32), np.float32)
    >>> edit_locality({}, x, x + 0.5, "glasses")["outside_pixels"]
    1.0
    >>> edit_locality({}, x, x + 0.5, "glasses", per_face=True)["outside_pixels"].tolist()
    [1.0, 1.0]
    """
    before, after = np.asarray(before), np.asarray(after)
    if before.shape != after.shape:
        raise CourseError(
            f"before and after must have the same shape, got {before.shape} and {after.shape}"
        )
    outside = ~edit_region(attribute)
    change = np.abs(after - before).max(axis=1)[:, outside]
    others = [a for a in ATTRIBUTES if a not in descendants(attribute) and a in readers]
    read_before, read_after = read_attributes(readers, before), read_attributes(readers, after)
    attr_change = np.array([np.abs(read_after[a] - read_before[a]) for a in others])
    faces = {
        "outside_pixels": (change > threshold).mean(axis=1),
        "outside_mae": change.mean(axis=1),
        "non_descendant_change": (
            attr_change.mean(axis=0) if len(others) else np.zeros(len(before))
        ),
    }
    if per_face:
        return faces
    return {key: float(value.mean()) for key, value in faces.items()}


def show_faces(rows: Mapping[str, np.ndarray | torch.Tensor], n: int = 6, title: str = ""):
    """Plot a grid of faces: one row per entry of ``rows`` (label → images), ``n`` columns.

    Example
    -------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> fig = show_faces({"original": np.zeros((2, 3, 32, 32))}, n=2)
    >>> len(fig.axes)
    2
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(rows), n, figsize=(1.25 * n + 1.2, 1.3 * len(rows)), squeeze=False)
    for axis_row, (label, images) in zip(axes, rows.items(), strict=True):
        images = np.asarray(images)
        if len(images) < n:
            raise CourseError(f"row {label!r} has {len(images)} images, fewer than the {n} columns")
        for ax, image in zip(axis_row, images[:n], strict=True):
            ax.imshow(np.clip(image.transpose(1, 2, 0), 0, 1), interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
        axis_row[0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
