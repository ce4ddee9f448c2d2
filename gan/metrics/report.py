"""Markdown report of an ``evaluate`` run, written from the metrics dict (the same numbers as metrics.json)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def _f(value: Any, digits: int = 4) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _pass(value: bool | None) -> str:
    return "n/a" if value is None else ("PASS" if value else "FAIL")


def _image(name: str | None, alt: str) -> str:
    return f"![{alt}]({name})" if name else f"_(no {alt.lower()} images)_"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines + [""]


def render_report(m: dict[str, Any]) -> str:
    """The markdown text of the report for a metrics dict produced by ``gan.metrics.evaluate.evaluate``."""
    s, data = m["settings"], m["data"]
    lines = ["# Evaluation report", ""]
    lines += [
        f"- models: `{s['models']}`",
        *(f"  - {kind}: `{info['path']}` (sha256 `{info['sha256'][:12]}`)" for kind, info in m["models"].items()),
        f"  - classifier source: {m['models']['classifier'].get('source', 'n/a')}",
        f"- data: `{data['source']}`: {data['n_faces']} faces at {data['image_size']}x{data['image_size']}, "
        f"labelled: {_f(data['labelled'])}",
        f"- held-out split: {data['holdout']['n']} faces ({data['holdout']['rule']}, seed {data['holdout']['seed']}); "
        f"training split: {data['n_train']} faces",
        "  - split used in training: " + "; ".join(f"{k}: {v}" for k, v in data["holdout"]["training"].items()),
        f"- distribution metrics use n = {data['n_per_set']} generated faces and real sets A and B of n faces each, "
        f"disjoint, drawn from the training split (seed {s['seed']})",
        f"- device: {m['run']['device']}, wall time {m['run']['wall_time_s']:.1f} s, torch {m['run']['torch']}",
        "",
        "## Quality targets (issue 11)",
        "",
    ]
    lines += _table(
        ["measure", "value", "target", "result"],
        [[name, _f(c["value"]), c["target"], _pass(c["pass"])] for name, c in m["targets"].items()],
    )

    lines += ["## Samples", "", "Generated (first 64, seed {}) and real (set A):".format(s["seed"]), "",
              _image(m["figures"]["samples"], "Generated"), _image(m["figures"]["real"], "Real"), ""]

    q = m["classifier_space"]
    fr, kid = q["frechet"], q["kid"]
    lines += ["## Generator in classifier feature space", "",
              f"Features: the attribute classifier's penultimate layer. These are not FID/KID (see below for those). "
              f"Floor: {q['floor_definition']}.", ""]
    lines += _table(
        ["measure", "generated vs real A", "floor (real B vs real A)", "ratio"],
        [
            [fr["label"], _f(fr["value"]), _f(fr["floor"]), _f(fr["ratio_to_floor"], 2)],
            [kid["label"], f"{_f(kid['mean'], 5)} +/- {_f(kid['std'], 5)}",
             f"{_f(kid['floor']['mean'], 5)} +/- {_f(kid['floor']['std'], 5)}", ""],
        ],
    )
    lines += [f"KID: {kid['n_subsets']} subsets of {kid['subset_size']}, unbiased MMD^2, cubic polynomial kernel.", ""]

    d = m["diversity_classifier_features"]
    lines += ["## Diversity", "", f"### {d['label']} ({d['metric']} distance between random pairs)", ""]
    lines += _table(
        ["set", "mean", "sd", "min", "max", "pairs"],
        [[name, _f(r["mean"]), _f(r["std"]), _f(r["min"]), _f(r["max"]), str(r["n_pairs"])]
         for name, r in (("generated", d["generated"]), ("real A", d["real"]))],
    )
    lines += [f"Ratio generated / real: {_f(d['ratio'], 3)}", "", _image(d["figure"], "Feature diversity pairs"), ""]
    lp = m["lpips"]
    lines += ["### LPIPS (AlexNet)", ""]
    if lp.get("computed"):
        lines += _table(
            ["set", "mean", "sd", "min", "max", "pairs"],
            [[name, _f(r["mean"]), _f(r["std"]), _f(r["min"]), _f(r["max"]), str(r["n_pairs"])]
             for name, r in (("generated", lp["generated"]), ("real (holdout)", lp["real"]))],
        )
        lines += [f"Ratio generated / real: {_f(lp['ratio'], 3)}", "", _image(lp["figure"], "LPIPS pairs"), ""]
    else:
        lines += [f"LPIPS {lp['reason']}", ""]

    inc = m["inception"]
    lines += ["## FID (Inception-v3) and KID (Inception-v3)", ""]
    if inc.get("computed"):
        lines += _table(
            ["measure", "value"],
            [[inc["fid"]["label"], _f(inc["fid"]["value"], 3)],
             [inc["kid"]["label"], f"{_f(inc['kid']['mean'], 5)} +/- {_f(inc['kid']['std'], 5)}"]],
        )
        lines += [f"{inc['n_generated']} generated vs {inc['n_real']} real (set A); weights sha256 "
                  f"`{inc['weights_sha256'][:12]}`.", ""]
    else:
        lines += [f"FID {inc['reason']}", ""]

    tv = m["attribute_tv"]
    lines += ["## Attribute distributions of generated faces", ""]
    if "per_attribute" in tv:
        lines += [f"Total-variation distance between the classifier's predicted distribution over generated faces "
                  f"and the real label distribution ({tv['real_labels']}); glasses_color over "
                  f"{tv['glasses_color_over']}. Max {_f(tv['max'])}, mean {_f(tv['mean'])}; floor (classifier on real "
                  f"faces vs labels): max {_f(tv['floor']['max'])}, mean {_f(tv['floor']['mean'])}.", ""]
        lines += _table(
            ["attribute", "TV", "n generated", "n real"],
            [[name, _f(r["tv"]), str(r["n_generated"]), str(r["n_real"])] for name, r in tv["per_attribute"].items()],
        )
    else:
        lines += [f"Attribute TV distances {tv['reason']}", ""]

    dm = m["discriminator"]
    h, o, figs = dm["holdout_vs_generated"], dm["overfitting"], dm["figures"]
    lines += ["## Discriminator", "", f"Mode: {dm['mode']}. Held-out real faces ({h['n_real']}) vs as many generated "
              "faces. Positive = real.", ""]
    lines += _table(
        ["accuracy", "real called real", "generated called fake", "TN", "FP", "FN", "TP"],
        [[_f(h["accuracy"]), _f(h["real_accuracy"]), _f(h["fake_accuracy"]), str(h["TN"]), str(h["FP"]),
          str(h["FN"]), str(h["TP"])]],
    )
    lines += [_image(figs["confusion"], "Confusion matrix"), ""]
    for case, text in (("TP", "real called real"), ("FN", "real called fake"), ("TN", "generated called fake"),
                       ("FP", "generated called real")):
        lines += [f"**{case}** ({text}, most confident first):", "", _image(figs.get(case), case), ""]
    lines += [f"Overfitting check: real faces called real, training split {_f(o['real_accuracy_train'])} vs held-out "
              f"{_f(o['real_accuracy_holdout'])} (gap {_f(o['gap'])}; {o['n_train']} training and {o['n_holdout']} held-out "
              "faces).", ""]

    c = m["classifier"]
    lines += ["## Attribute classifier", ""]
    hold, extra = c["holdout"], c.get("extra")
    if "per_attribute" in hold:
        header = ["attribute", "holdout accuracy", "n"]
        if extra:
            header += ["extra accuracy", "n"]
        rows = []
        for name, r in hold["per_attribute"].items():
            row = [name, _f(r["accuracy"]), str(r["n"])]
            if extra:
                e = extra["per_attribute"][name]
                row += [_f(e["accuracy"]), str(e["n"])]
            rows.append(row)
        mean_row = ["**mean**", f"**{_f(hold['mean'])}**", ""] + ([f"**{_f(extra['mean'])}**", ""] if extra else [])
        lines += [f"glasses_color is scored only on {hold['glasses_color_scored_on']}."
                  + (f" Extra set: `{extra['source']}` ({extra['n']} faces)." if extra else ""), ""]
        lines += _table(header, rows + [mean_row])
        lines += [f"Confusion matrices of all attributes on the holdout: `{hold['confusions_file']}`; the "
                  f"{len(hold['confusion_figures'])} least accurate:", ""]
        lines += [_image(name, name) for name in hold["confusion_figures"]] + [""]
        by_glasses = hold.get("by_glasses")
        if by_glasses:
            lines += ["Mean accuracy of the eye attributes (angle, lashes, lid, colour, slant) and of the eyebrow "
                      "attributes (weight, shape, thickness, width, eye-eyebrow distance) on the held-out faces of "
                      "each glasses variant (behind opaque sunglasses the eyes cannot be seen):", ""]
            lines += _table(["glasses", "faces", "eye attributes", "eyebrow attributes"],
                            [[k, str(v["n"]), _f(v["eyes"]), _f(v["eyebrows"])] for k, v in by_glasses.items()])
    else:
        lines += [f"Classifier accuracy on the holdout {hold['reason']}", ""]
        if extra:
            lines += [f"Extra set `{extra['source']}` ({extra['n']} faces): mean accuracy {_f(extra['mean'])}", ""]

    r = m["reproducibility"]
    lines += ["## Reproducibility", "",
              f"Sampling {r['n_checked']} images twice with seed {r['seed']} gives identical images: "
              f"**{_f(r['identical_samples_same_seed'])}**.", ""]
    return "\n".join(lines)


def write_report(metrics: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write :func:`render_report` to ``path``."""
    path = Path(path)
    path.write_text(render_report(metrics))
    return path
