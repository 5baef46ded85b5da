"""One plotting style for the whole course: colour-blind-safe colours, readable sizes.

The palette is Okabe & Ito's (2008) set of eight colours that stay distinct under
the common forms of colour blindness. Call :func:`use_style` once in a notebook's
setup cell; figures then share fonts, sizes and the colour cycle.
"""

from __future__ import annotations

OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)

#: Named roles used by the course's figures (graphs, comparisons of methods).
PALETTE: dict[str, str] = {
    "node": "#DCEAF7",
    "accent": "#E69F00",
    "edge": "#333333",
    "latent": "#777777",
    "correct": "#009E73",
    "reversed": "#E69F00",
    "missing": "#0072B2",
    "extra": "#D55E00",
}

__all__ = ["OKABE_ITO", "PALETTE", "use_style"]


def use_style() -> None:
    """Apply the course's matplotlib style (colour cycle, sizes, no top/right spines).

    Example
    -------
    >>> use_style()
    >>> import matplotlib as mpl
    >>> mpl.rcParams["axes.prop_cycle"].by_key()["color"][0]
    '#0072B2'
    """
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update(
        {
            "axes.prop_cycle": cycler(color=list(OKABE_ITO)),
            "figure.figsize": (6.4, 3.8),
            "figure.dpi": 100,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titlesize": 12,
            "axes.labelsize": 11,
            "legend.frameon": False,
            "savefig.bbox": "tight",
        }
    )
