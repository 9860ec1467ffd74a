"""Merging the faces of a mesh into larger units: connected, balanced regions and their unions.

A mesh from :mod:`~gridsvc.synthetic.meshing` is a valid coverage, so its faces can be grouped
freely: the union of any group stays edge-matched with the union of every other group. Grouping is
a power diagram over face centroids (k-means start, weights raised until each region holds its
share of the mass), then repaired so every region is one connected piece.
"""

from __future__ import annotations

import numpy as np
import shapely

from gridsvc.synthetic.areas import Area, PartitionError

#: Adjacency of a coverage's faces: ``(a, b, shared_length)`` arrays with ``a < b``.
Pairs = tuple[np.ndarray, np.ndarray, np.ndarray]


def adjacency(faces: np.ndarray) -> Pairs:
    """Edge-adjacent face pairs ``(a, b, shared_length)`` with a < b.

    In a valid coverage neighbours share identical segments, so matching sorted segment keys finds
    every shared edge without any geometric predicate.
    """
    rings, ring_face = shapely.get_rings(faces, return_index=True)
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[:-1] == ring[1:]
    p, q, f = xy[:-1][same], xy[1:][same], ring_face[ring[:-1][same]]
    swap = (p[:, 0] > q[:, 0]) | ((p[:, 0] == q[:, 0]) & (p[:, 1] > q[:, 1]))
    key = np.where(swap[:, None], np.hstack([q, p]), np.hstack([p, q]))
    order = np.lexsort(key.T[::-1])
    key, f = key[order], f[order]
    eq = (key[1:] == key[:-1]).all(axis=1) & (f[1:] != f[:-1])
    a, b = np.minimum(f[:-1][eq], f[1:][eq]), np.maximum(f[:-1][eq], f[1:][eq])
    seg = key[1:][eq]
    length = np.hypot(seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1])
    pairs, inv = np.unique(a * len(faces) + b, return_inverse=True)
    return pairs // len(faces), pairs % len(faces), np.bincount(inv, weights=length)


def _csr(m: int, a: np.ndarray, b: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, ...]:
    """Symmetric adjacency as CSR arrays ``(indptr, neighbour, weight)``."""
    src, dst, ww = np.r_[a, b], np.r_[b, a], np.r_[w, w]
    order = np.lexsort((dst, src))
    return np.searchsorted(src[order], np.arange(m + 1)), dst[order], ww[order]


def _components(label: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected-component id per face over edges joining faces of the same label."""
    same = label[a] == label[b]
    ea, eb = a[same], b[same]
    comp = np.arange(len(label))
    while True:
        low = np.minimum(comp[ea], comp[eb])
        nxt = comp.copy()
        np.minimum.at(nxt, ea, low)
        np.minimum.at(nxt, eb, low)
        nxt = nxt[nxt]  # pointer jumping: converges in a few rounds
        if (nxt == comp).all():
            return comp
        comp = nxt


def connect(label: np.ndarray, mass: np.ndarray, pairs: Pairs) -> np.ndarray:
    """Keep each label's heaviest connected piece; hand stray pieces to settled neighbours.

    A Voronoi cell clipped to a non-convex polygon, or a balanced power cell, can fall apart. Each
    stray face goes to the settled neighbouring label it shares the most boundary with, so every
    label stays in one piece (unless the input is disconnected) and no label disappears.
    """
    a, b, length = pairs
    label = label.copy()
    comp = _components(label, a, b)
    weight = np.bincount(comp, weights=mass, minlength=len(label))[comp]
    order = np.lexsort((comp, -weight, label))
    main = comp[order[np.r_[True, label[order][1:] != label[order][:-1]]]]
    settled = np.isin(comp, main)
    if settled.all():
        return label
    ptr, nbr, w = _csr(len(label), a, b, length)
    pending = sorted(np.flatnonzero(~settled), key=lambda i: (-mass[i], i))
    while pending:
        deferred = []
        for f in pending:
            score: dict[int, float] = {}
            for g, wg in zip(nbr[ptr[f] : ptr[f + 1]], w[ptr[f] : ptr[f + 1]], strict=True):
                if settled[g] and label[g] != label[f]:
                    score[int(label[g])] = score.get(int(label[g]), 0.0) + float(wg)
            if score:
                label[f] = max(score, key=lambda k: (score[k], -k))
                settled[f] = True
            else:
                deferred.append(f)
        if len(deferred) == len(pending):  # islands of the input: they keep their label
            break
        pending = deferred
    return label


def dissolve(faces: np.ndarray, label: np.ndarray, k: int) -> list[Area]:
    """Union the faces of each label; unions of coverage pieces stay edge-matched."""
    order = np.argsort(label, kind="stable")
    bounds = np.searchsorted(label[order], np.arange(k + 1))
    out: list[Area] = []
    for r in range(k):
        group = faces[order[bounds[r] : bounds[r + 1]]]
        out.append(group[0] if len(group) == 1 else shapely.coverage_union_all(group))
    return out


def _kmeans(xy: np.ndarray, mass: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Mass-weighted k-means centres (k-means++ start, a few Lloyd rounds)."""
    p = mass / mass.sum()
    centres = [xy[rng.choice(len(xy), p=p)]]
    d2 = ((xy - centres[0]) ** 2).sum(axis=1)
    for _ in range(1, k):
        w = p * d2
        centres.append(xy[rng.choice(len(xy), p=w / w.sum())] if w.sum() > 0 else xy[-1])
        d2 = np.minimum(d2, ((xy - centres[-1]) ** 2).sum(axis=1))
    c = np.array(centres)
    for _ in range(8):
        lab = _power_labels(xy, c, np.zeros(k))
        tot = np.bincount(lab, weights=mass, minlength=k)
        ok = tot > 0
        for dim in range(2):
            c[ok, dim] = np.bincount(lab, weights=mass * xy[:, dim], minlength=k)[ok] / tot[ok]
        _revive(c, xy, lab, ~ok)
    return c


def _revive(centres: np.ndarray, xy: np.ndarray, lab: np.ndarray, empty: np.ndarray) -> np.ndarray:
    """Move centres that won no face onto the faces farthest from their own centre.

    Two centres on one spot (k-means++ picks, or a centre squeezed out while balancing) would
    otherwise stay empty for good, and a region the partition needs would vanish.
    """
    far = np.argsort(-((xy - centres[lab]) ** 2).sum(axis=1), kind="stable")[: int(empty.sum())]
    centres[np.flatnonzero(empty)] = xy[far]
    return far


def _power_labels(
    xy: np.ndarray, centres: np.ndarray, w: np.ndarray, cand: np.ndarray | None = None
) -> np.ndarray:
    """Nearest centre by power distance ``|x - c|^2 - w``, over all centres or over each row's
    candidate centres ``cand`` (chunked to bound memory)."""
    out = np.empty(len(xy), dtype=np.int64)
    for s in range(0, len(xy), 4096):
        rows = slice(s, s + 4096)
        if cand is None:
            d = ((xy[rows, None, :] - centres[None]) ** 2).sum(axis=-1) - w
            out[rows] = d.argmin(axis=1)
        else:
            c = cand[rows]
            d = ((xy[rows, None, :] - centres[c]) ** 2).sum(axis=-1) - w[c]
            out[rows] = c[np.arange(len(c)), d.argmin(axis=1)]
    return out


def _candidates(xy: np.ndarray, centres: np.ndarray, c: int) -> np.ndarray:
    """The ``c`` nearest centres of every point: power cells stay among a face's neighbours."""
    out = np.empty((len(xy), c), dtype=np.int64)
    for s in range(0, len(xy), 4096):
        d = ((xy[s : s + 4096, None, :] - centres[None]) ** 2).sum(axis=-1)
        out[s : s + 4096] = np.argpartition(d, c - 1, axis=1)[:, :c]
    return out


def _balance(
    xy: np.ndarray, mass: np.ndarray, centres: np.ndarray, share: np.ndarray, in_place: bool
) -> np.ndarray:
    """Power-diagram labels whose masses approach ``share`` (capacity-constrained Voronoi).

    Plain nearest-centre cells ignore the targets and region growing gets boxed in; raising the
    weight of an under-filled centre pushes its power-cell edges outwards until masses match.
    Faces are discrete, so the error can oscillate instead of settling: the best labelling seen
    is kept. A region squeezed out of every face is revived ``in_place`` (its weight raised to
    win back its nearest face: callers relying on where region 0 lies need that) or else moved
    to the face farthest from its centre, which balances better.
    """
    k = len(centres)
    w = np.zeros(k)
    # With many regions, only a face's 16 nearest centres can plausibly win: O(m) not O(m k).
    cand = _candidates(xy, centres, 16) if k > 16 else None
    lab = _power_labels(xy, centres, w, cand)
    best, best_err = lab, np.inf
    for it in range(200):
        got = np.bincount(lab, weights=mass, minlength=k)
        err = (share - got) / share
        if np.abs(err).max() < best_err:
            best, best_err = lab, np.abs(err).max()
        if best_err < 0.02:
            break
        # Step in units of each region's own squared radius: urban regions are a few hundred
        # metres across and rural ones kilometres, so one global step would oscillate.
        d2 = ((xy - centres[lab]) ** 2).sum(axis=1)
        radius2 = np.bincount(lab, weights=mass * d2, minlength=k) / np.maximum(got, 1e-300)
        radius2[got == 0] = ((xy[:, None, :] - centres[got == 0]) ** 2).sum(-1).min(0)
        w += 0.5 * radius2 * np.clip(err, -1.0, 1.0)
        for r in np.flatnonzero(got == 0) if in_place else ():
            f = int(np.argmin(((xy - centres[r]) ** 2).sum(axis=1)))
            rival = ((xy[f] - centres[lab[f]]) ** 2).sum() - w[lab[f]]
            w[r] = ((xy[f] - centres[r]) ** 2).sum() - rival + 1e-6 * (1.0 + abs(rival))
        if it % 10 == 9:  # re-centre: keeps cells compact while they grow or shrink
            ok = got > 0
            for dim in range(2):
                centres[ok, dim] = (
                    np.bincount(lab, weights=mass * xy[:, dim], minlength=k)[ok] / got[ok]
                )
            if not in_place and not ok.all():  # a moved centre starts as strong as its host
                w[~ok] = w[lab[_revive(centres, xy, lab, ~ok)]]
            cand = _candidates(xy, centres, 16) if k > 16 else None
        lab = _power_labels(xy, centres, w, cand)
    lab = best.copy()
    for r in np.flatnonzero(np.bincount(lab, minlength=k) == 0):
        counts = np.bincount(lab, minlength=k)
        d = ((xy - centres[r]) ** 2).sum(axis=1)
        d[counts[lab] < 2] = np.inf  # never empty another region
        lab[int(np.argmin(d))] = r
    return lab


def _subgraph(pairs: Pairs, members: np.ndarray, m: int) -> Pairs:
    """The adjacency pairs among ``members``, renumbered 0..len(members)-1."""
    local = np.full(m, -1)
    local[members] = np.arange(len(members))
    a, b, w = pairs
    keep = (local[a] >= 0) & (local[b] >= 0)
    return local[a[keep]], local[b[keep]], w[keep]


def regions(
    pairs: Pairs,
    members: np.ndarray,
    xy: np.ndarray,
    mass: np.ndarray,
    targets: np.ndarray,
    rng: np.random.Generator,
    near: np.ndarray | None = None,
) -> np.ndarray:
    """Group mesh faces ``members`` into ``len(targets)`` connected regions of about the target
    mass; labels per member. With ``near`` (local metres), label 0 is the region closest to it.

    ``pairs`` is the :func:`adjacency` of the whole mesh, ``xy`` (local metres) and ``mass`` hold
    one row per face of the whole mesh; ``members`` are the indices of the faces to group.

    Raises:
        PartitionError: fewer members than regions.
    """
    k = len(targets)
    if k > len(members):
        raise PartitionError(f"{len(members)} mesh faces cannot hold {k} regions")
    sub_xy, sub_mass = xy[members], mass[members]
    centres = _kmeans(sub_xy, sub_mass, k, rng)
    if near is not None:
        centres = centres[np.argsort(((centres - near) ** 2).sum(axis=1), kind="stable")]
    share = targets / targets.sum() * sub_mass.sum()
    lab = _balance(sub_xy, sub_mass, centres, share, in_place=near is not None)
    return connect(lab, sub_mass, _subgraph(pairs, members, len(xy)))
